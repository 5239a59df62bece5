"""Batch parsing on the server (issues 10 and 15): the streaming parser (ijson, record limit enforced
while reading), the whole-body parser it replaced (gunzip, json.loads, pydantic from JSON) and the
fast path the server now runs first (msgspec, sync/server/records/fastparse.py), side by side in one
process on the same real signed-shape batches.

Run: .venv/bin/python tests/benchmarks/bench_batch_parse.py [--records 1000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.store.db import open_store  # noqa: E402
from sync.protocol import encode_batch, parse_batch, read_body, wire_record  # noqa: E402
from sync.server.records.batch_stream import parse_batch_stream  # noqa: E402
from sync.server.records.fastparse import FastEnvelope  # noqa: E402
from sync.server.records.fastparse import parse_batch as parse_batch_fast  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--records", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=30)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "k.db")
        with store.writing() as w:
            recs = [wire_record(w.append("gate_entry", {"i": i, "outcome": "pass", "temperature_c": 36.5, "name": "张*",
                                                        "id_masked": "110105********002X"})) for i in range(args.records)]
        device_id = store.device_id
        store.close()
    body = encode_batch(device_id, str(uuid.uuid4()), recs)
    whole, stream, fast = [], [], []
    for _ in range(args.rounds):  # alternate, so load on the shared machine hits both alike
        t = time.process_time()
        a = parse_batch(read_body(body, "application/json", "gzip", 4 * 1024 * 1024), 2000, signer=device_id)
        whole.append((time.process_time() - t) * 1000)
        t = time.process_time()
        b = parse_batch_stream(body, "application/json", "gzip", 2000, signer=device_id)
        stream.append((time.process_time() - t) * 1000)
        t = time.process_time()
        c = parse_batch_fast(body, "application/json", "gzip", 2000, signer=device_id)
        fast.append((time.process_time() - t) * 1000)
        assert a == b and isinstance(c, FastEnvelope) and [r.hash for r in c.records] == [r.hash for r in a.records]
    mw, ms, mf = statistics.median(whole), statistics.median(stream), statistics.median(fast)
    n = args.records
    print(f"{n} records, {len(body)} bytes gzip, {args.rounds} rounds, medians: whole-body parse {mw:.1f} ms "
          f"({mw * 1000 / n:.1f} µs/record), streaming {ms:.1f} ms ({ms * 1000 / n:.1f} µs/record), "
          f"fast path {mf:.1f} ms ({mf * 1000 / n:.1f} µs/record); streaming / whole {ms / mw:.2f}, fast / streaming {mf / ms:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
