"""Batch parsing on the server (issue 10): the streaming parser (ijson, record limit enforced while
reading) against the whole-body parser it replaced (gunzip, json.loads, pydantic from JSON),
side by side in one process on the same real signed-shape batches.

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
    whole, stream = [], []
    for _ in range(args.rounds):  # alternate, so load on the shared machine hits both alike
        t = time.perf_counter()
        a = parse_batch(read_body(body, "application/json", "gzip", 4 * 1024 * 1024), 2000, signer=device_id)
        whole.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        b = parse_batch_stream(body, "application/json", "gzip", 2000, signer=device_id)
        stream.append((time.perf_counter() - t) * 1000)
        assert a == b
    mw, ms = statistics.median(whole), statistics.median(stream)
    print(f"{args.records} records, {len(body)} bytes gzip: whole-body parse median {mw:.1f} ms, streaming {ms:.1f} ms "
          f"(ratio {ms / mw:.2f}), {args.rounds} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
