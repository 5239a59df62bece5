"""Store benchmark (issue 2): commit rate and latency with synchronous=FULL; a 1,000,000-record
database: open time, one day's report query, full chain verification.

Run: .venv/bin/python tests/benchmarks/bench_store.py [--records 1000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uuid6

from kiosk.store.db import open_store
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_commits(path: Path, n: int) -> None:
    store = open_store(path)
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        s = time.perf_counter()
        with store.writing() as w:
            rec = w.append("gate_entry", {"n": i, "direction": "in", "outcome": "pass"})
            w.db.execute(
                "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, outcome)"
                " values (?, ?, ?, 'in', 'resident', 'pass')",
                [rec.uuid, rec.seq, rec.created_at],
            )
        lat.append((time.perf_counter() - s) * 1000)
    total = time.perf_counter() - t0
    store.close()
    print(f"commits (synchronous=FULL, WAL, journal+outbox+projection per commit): n={n}")
    print(f"  {n / total:.0f} commits/s; p50 {statistics.median(lat):.2f} ms; p99 {pct(lat, 99):.2f} ms; max {max(lat):.2f} ms")


def build_big(path: Path, records: int, per_day: int) -> str:
    """Bulk-build a valid chain (the same hash function) in one transaction; returns a busy day."""
    store = open_store(path)
    device = store.device_id
    db = store.db
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS_HASH
    step = 86400 / per_day
    journal, outbox, entries = [], [], []
    with db.atomic():
        for seq in range(1, records + 1):
            created = (start + timedelta(seconds=seq * step)).isoformat(timespec="microseconds")
            uid = str(uuid6.uuid7())
            outcome = "pass" if rng.random() < 0.95 else rng.choice(["deny", "review"])
            body = canonical_json({"direction": "in", "outcome": outcome, "colour": "green"})
            digest = record_hash(device, seq, uid, "gate_entry", created, body, prev)
            journal.append((seq, uid, "gate_entry", created, body, prev, digest))
            outbox.append((seq, "sent"))
            entries.append((uid, seq, created, rng.choice(["in", "out"]), "resident", "cn-signed", "valid", "green", outcome))
            prev = digest
            if len(journal) == 50_000:
                db.conn.executemany("insert into journal values (?,?,?,?,?,?,?)", journal)
                db.conn.executemany("insert into outbox (seq, state) values (?,?)", outbox)
                db.conn.executemany(
                    "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, code_format,"
                    " code_status, code_colour, outcome) values (?,?,?,?,?,?,?,?,?)",
                    entries,
                )
                journal, outbox, entries = [], [], []
        if journal:
            db.conn.executemany("insert into journal values (?,?,?,?,?,?,?)", journal)
            db.conn.executemany("insert into outbox (seq, state) values (?,?)", outbox)
            db.conn.executemany(
                "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, code_format,"
                " code_status, code_colour, outcome) values (?,?,?,?,?,?,?,?,?)",
                entries,
            )
        db.execute("update device_state set last_seq = ?, last_hash = ?", [records, prev])
    db.execute("pragma wal_checkpoint(truncate)")
    store.close()
    return (start + timedelta(days=(records // per_day) // 2)).date().isoformat()


DAY_QUERY = """
select direction, outcome, code_colour, count(*) from gate_entries
where created_at >= ? and created_at < ? group by direction, outcome, code_colour
"""


def bench_big(path: Path, records: int, per_day: int) -> None:
    t = time.perf_counter()
    day = build_big(path, records, per_day)
    print(f"built {records} chained records ({per_day}/day) in {time.perf_counter() - t:.1f} s; db {path.stat().st_size / 1e6:.0f} MB")
    opens, queries = [], []
    for _ in range(5):
        t = time.perf_counter()
        store = open_store(path)
        opens.append((time.perf_counter() - t) * 1000)
        lo = f"{day}T00:00:00"
        hi = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat() + "T00:00:00"
        t = time.perf_counter()
        rows = store.db.execute(DAY_QUERY, [lo, hi]).fetchall()
        queries.append((time.perf_counter() - t) * 1000)
        store.close()
    print(f"  open (inspect + lock + migrate check): median {statistics.median(opens):.1f} ms, max {max(opens):.1f} ms")
    print(f"  one day's report query ({sum(r[3] for r in rows)} entries): median {statistics.median(queries):.1f} ms, max {max(queries):.1f} ms")
    store = open_store(path)
    t = time.perf_counter()
    problems = store.check()
    check_s = time.perf_counter() - t
    t = time.perf_counter()
    problem = store.chain_problem()
    chain_s = time.perf_counter() - t
    store.close()
    assert not problems and problem is None
    print(f"  full chain verification: {chain_s:.1f} s ({records / chain_s:.0f} records/s); integrity_check + chain: {check_s:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--per-day", type=int, default=5000)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        bench_commits(Path(tmp) / "commits.db", args.commits)
        bench_big(Path(tmp) / "big.db", args.records, args.per_day)


if __name__ == "__main__":
    main()
