"""Central-server ingest benchmark (issue 6): records/s stored by the real `kiosk-central`
process, on SQLite (1 worker) and PostgreSQL (N workers), with 1 and with 20 simulated kiosks
uploading at once. Every batch is a real signed gzip request; every record is chain-verified.

Run: .venv/bin/python tests/benchmarks/bench_ingest.py [--records-1 20000] [--records-20 2000]
     [--batch 1000] [--pg-workers 2] [--rounds 2]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync.protocol import PATH_BATCHES, PATH_ENROLL, encode_batch, sign_request  # noqa: E402
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash  # noqa: E402
from tests.server.central import Central, batch_headers, create_pg_database, drop_pg_database, start_central  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class SimKiosk:
    device_id: str
    secret: str
    bodies: list[tuple[str, bytes, int]]  # (batch id, gzip body, records)


def make_kiosk(central: Central, code: str, n: int, batch: int) -> SimKiosk:
    device_id = str(uuid.uuid4())
    resp = requests.post(central.url + PATH_ENROLL, timeout=30,
                         json={"protocol": 1, "enroll_code": code, "journal_id": device_id, "enroll_key": uuid.uuid4().hex})
    resp.raise_for_status()
    server_id = resp.json()["device_id"]
    recs, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):  # what a busy gate writes: a gate pass with its decision
        uid = str(uuid.uuid4())
        at = f"2026-11-28T07:{seq // 60 % 60:02d}:{seq % 60:02d}.000000+00:00"
        body = canonical_json({"direction": "in", "person_kind": "resident", "code_format": "cn-token", "code_colour": "green",
                               "temperature_c": 36.5, "outcome": "pass", "reasons": [], "guard": "guard-01", "n": seq})
        digest = record_hash(device_id, seq, uid, "gate_entry", at, body, prev)
        recs.append({"uuid": uid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": prev, "hash": digest})
        prev = digest
    bodies = []
    for i in range(0, n, batch):
        bid = str(uuid.uuid4())
        bodies.append((bid, encode_batch(server_id, bid, recs[i : i + batch]), len(recs[i : i + batch])))
    return SimKiosk(server_id, resp.json()["device_secret"], bodies)


def upload(central: Central, kiosk: SimKiosk, latencies: list[float], errors: list[str]) -> None:
    session = requests.Session()
    for bid, body, _ in kiosk.bodies:
        hdrs = {**batch_headers(bid), **sign_request(kiosk.device_id, kiosk.secret, "POST", PATH_BATCHES, body)}
        t0 = time.perf_counter()
        resp = session.post(central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=120)
        latencies.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 200:
            errors.append(f"{resp.status_code} {resp.text[:200]}")
    session.close()


def run(central: Central, kiosks_n: int, per_kiosk: int, batch: int) -> dict[str, float]:
    codes = [line.split()[1] for line in central.cli("device", "add", "--count", str(kiosks_n)).stdout.splitlines()]
    kiosks = [make_kiosk(central, codes[i], per_kiosk, batch) for i in range(kiosks_n)]
    latencies: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=upload, args=(central, k, latencies, errors)) for k in kiosks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"upload errors: {errors[:3]}")
    total = kiosks_n * per_kiosk
    for k in kiosks:  # everything stored, chain verified to the end
        dev = next(d for d in central.admin_get("/admin/devices") if d["device_id"] == k.device_id)
        assert dev["records"] == per_kiosk and dev["verified_through_seq"] == per_kiosk and dev["chain_status"] == "ok", dev
    return {"records": total, "wall_s": wall, "rate": total / wall, "p50_ms": statistics.median(latencies), "p95_ms": pct(latencies, 95)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records-1", type=int, default=20000, help="records for the single kiosk")
    ap.add_argument("--records-20", type=int, default=2000, help="records per kiosk with 20 kiosks")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--pg-workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    pg_url = create_pg_database()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    servers = {
        "SQLite, 1 worker": start_central(tmp / "sqlite", f"sqlite:///{tmp / 'sqlite' / 'central.db'}"),
        f"PostgreSQL, {args.pg_workers} workers": start_central(tmp / "pg", pg_url, workers=args.pg_workers),
    }
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    try:
        for rnd in range(args.rounds):  # alternate backends within each round: same noise for both
            for name, central in servers.items():
                for kiosks_n, per in ((1, args.records_1), (20, args.records_20)):
                    r = run(central, kiosks_n, per, args.batch)
                    results.setdefault((name, kiosks_n), []).append(r)
                    print(f"round {rnd + 1} {name:<24} {kiosks_n:>2} kiosk(s): {r['records']:>6} records in {r['wall_s']:6.2f} s = "
                          f"{r['rate']:8.0f} records/s; batch p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms", flush=True)
    finally:
        for central in servers.values():
            central.stop()
        drop_pg_database(pg_url)
    print(f"\nmedian over {args.rounds} round(s), batches of {args.batch} records:")
    print("| backend | kiosks at once | records | records/s (median) | batch latency p50 / p95 |")
    print("| --- | --- | --- | --- | --- |")
    for (name, kiosks_n), rs in results.items():
        print(f"| {name} | {kiosks_n} | {int(rs[0]['records']):,} | {statistics.median(r['rate'] for r in rs):,.0f} | "
              f"{statistics.median(r['p50_ms'] for r in rs):.0f} / {statistics.median(r['p95_ms'] for r in rs):.0f} ms |")
    names = list(servers)
    for kiosks_n in (1, 20):
        a = statistics.median(r["rate"] for r in results[(names[1], kiosks_n)])
        b = statistics.median(r["rate"] for r in results[(names[0], kiosks_n)])
        print(f"ratio PostgreSQL / SQLite with {kiosks_n} kiosk(s): {a / b:.2f}")


if __name__ == "__main__":
    main()
