"""Sync benchmark (issue 6, kiosk side): a backlog of 100,000 records (a week offline at a busy
gate) uploaded by the real `kiosk sync --once` to the local reference server, on SQLite and on
PostgreSQL, for several batch sizes side by side. Reports wall time, the kiosk process's peak
RSS (os.wait4 on that process alone), records/s, and per-batch latency (median, p95) from the
kiosk's own sync log; then checks the server holds every record once with its chain verified.

Run: .venv/bin/python tests/benchmarks/bench_sync.py [--records 100000] [--batch 1000] [--compare 250,500,1000,2000]
     [--gate-backlog 20000] (gate commit latency while the worker drains a backlog)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uuid6

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from kiosk.store.db import open_store  # noqa: E402
from sync.protocol.chain import canonical_json, record_hash  # noqa: E402
from sync.provision import provision  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.devices.enrol import new_enrol_code  # noqa: E402
from tests.server.central import create_pg_database, drop_pg_database, start_central  # noqa: E402

KIOSK = Path(sys.executable).parent / "kiosk"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def build_backlog(db_path: Path, n: int) -> str:
    """n realistic gate records, chained with the real hash function, all pending; returns the device id."""
    store = open_store(db_path)
    device_id = store.device_id
    start = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    prev = store.db.execute("select last_hash from device_state").fetchone()[0]
    rows: list[tuple[int, str, str, str, str, str, str]] = []
    with store.writing() as w:  # one transaction, written in chunks to keep this process small
        for seq in range(1, n + 1):
            uid = str(uuid6.uuid7())
            created = (start + timedelta(seconds=seq * 6)).isoformat(timespec="microseconds")
            body = canonical_json({
                "direction": "in" if seq % 3 else "out", "person_kind": "resident", "person_uuid": str(uuid.UUID(int=seq)),
                "code_format": "cn-token", "code_status": "unverified", "code_colour": "green", "colour_source": "attested",
                "temperature_c": 36.4 + (seq % 7) / 10, "outcome": "pass", "reasons": [], "guard": "王师傅",
                "id_masked": "1101**********002X", "lane": "scan",
            })
            digest = record_hash(device_id, seq, uid, "gate_entry", created, body, prev)
            rows.append((seq, uid, "gate_entry", created, body, prev, digest))
            prev = digest
            if len(rows) == 5000 or seq == n:
                w.db.conn.executemany("insert into journal (seq, uuid, kind, created_at, body, prev_hash, hash) values (?,?,?,?,?,?,?)", rows)
                w.db.conn.executemany("insert into outbox (seq, state) values (?, 'pending')", [(r[0],) for r in rows])
                rows.clear()
        w.db.execute("update device_state set last_seq = ?, last_hash = ?", [n, prev])
    store.close()
    return device_id


def run_once(central_url: str, engine: object, work: Path, n: int, batch: int, max_bytes: int | None = None) -> dict[str, float]:
    data = work / f"kiosk-{batch}-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "KIOSK_STORE_DATA_DIR": str(data), "KIOSK_SYNC_BATCH_MAX_RECORDS": str(batch),
           "KIOSK_SYNC_TIMEOUT_S": "60"}
    if max_bytes:  # the comparison lifts the byte limit so that the record count decides
        env["KIOSK_SYNC_BATCH_MAX_BYTES"] = str(max_bytes)
    env.pop("KIOSK_CONFIG", None)
    device_id = build_backlog(data / "kiosk.db", n)
    store = open_store(data / "kiosk.db")
    with engine.begin() as conn:  # type: ignore[attr-defined]
        code = new_enrol_code(conn, "bench", 1)[0]
    provision(store, data, central_url, code)
    store.close()
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(KIOSK), "sync", "--once"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # VmHWM (the kiosk process's own high-water RSS) read until it exits. Not ru_maxrss from
    # wait4: Linux carries the parent's RSS at fork into a child's ru_maxrss across exec.
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, vm_hwm_kb(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"kiosk sync --once failed: {out}")
    store = open_store(data / "kiosk.db")
    lat = [r[0] for r in store.db.execute("select duration_ms from sync_log where direction = 'upload' and http_status = 200")]
    sent = store.db.execute("select count(*) from outbox where state = 'sent'").fetchone()[0]
    total = store.db.execute("select count(*) from journal").fetchone()[0]
    store.close()
    from sqlalchemy import func, select

    from sync.server.devices.tables import devices
    from sync.server.records.tables import records

    with engine.connect() as conn:  # type: ignore[attr-defined]
        held = conn.execute(select(func.count(), func.count(func.distinct(records.c.uuid))).where(records.c.device_id == device_id)).one()
        dev = conn.execute(select(devices.c.chain_status, devices.c.verified_through_seq).where(devices.c.device_id == device_id)).one()
    ok = held[0] == held[1] == total == sent and dev.chain_status == "ok" and dev.verified_through_seq == total
    return {"wall_s": wall, "rss_mb": peak_kb / 1024, "rate": n / wall, "batches": len(lat),
            "p50_ms": statistics.median(lat), "p95_ms": pct(lat, 95), "ok": float(ok), "held": held[0], "total": total}


def gate_latency(store: object, n: int, pause_s: float) -> list[float]:
    """A guard's commits (record + outbox row) at a steady pace; latency of each, ms."""
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        with store.writing() as w:  # type: ignore[attr-defined]
            w.append("gate_entry", {"n": i, "direction": "in", "outcome": "pass"})
        lat.append((time.perf_counter() - t0) * 1000)
        time.sleep(pause_s)
    return lat


def bench_gate_during_sync(central_url: str, engine: object, work: Path, backlog: int, rounds: int) -> None:
    """Gate commit latency with and without the sync worker draining a backlog, interleaved."""
    from kiosk.config import load_config
    from sync.factory import make_worker

    quiet: list[float] = []
    busy: list[float] = []
    for _ in range(rounds):
        data = work / f"gate-{uuid.uuid4().hex[:6]}"
        build_backlog(data / "kiosk.db", backlog)
        cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(data), "KIOSK_SYNC_INTERVAL_S": "0.05"})
        store = open_store(cfg.db_path)
        with engine.begin() as conn:  # type: ignore[attr-defined]
            code = new_enrol_code(conn, "bench", 1)[0]
        provision(store, data, central_url, code)
        quiet += gate_latency(store, 200, 0.01)
        worker = make_worker(cfg, store)
        worker.start()
        busy += gate_latency(store, 200, 0.01)
        worker.stop()
        store.close()
    ratio = statistics.median(busy) / statistics.median(quiet)
    print(f"\ngate commits (record + outbox row, synchronous=FULL) with and without the sync worker draining a "
          f"{backlog:,}-record backlog, {rounds} interleaved rounds of 200 commits each:")
    print("| | p50 | p95 | max | ratio of p50 |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| sync idle | {statistics.median(quiet):.2f} ms | {pct(quiet, 95):.2f} ms | {max(quiet):.2f} ms | 1.00× |")
    print(f"| sync uploading | {statistics.median(busy):.2f} ms | {pct(busy, 95):.2f} ms | {max(busy):.2f} ms | {ratio:.2f}× |")


def table(results: dict[int, dict[str, float]]) -> None:
    print("| batch (records) | wall time | records/s | kiosk peak RSS | batches | batch p50 / p95 | all on server once, chain ok |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for b, r in results.items():
        print(f"| {b} | {r['wall_s']:.1f} s | {r['rate']:,.0f} | {r['rss_mb']:.0f} MB | {r['batches']:.0f} | "
              f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms | "
              f"{'yes' if r['ok'] else 'NO'} ({r['held']:.0f} of {r['total']:.0f}) |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000, help="backlog of the headline runs")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--batch", type=int, default=1000, help="batch size of the headline runs (the shipped default)")
    ap.add_argument("--compare", default="250,500,1000,2000", help="batch sizes compared on a smaller backlog ('' to skip)")
    ap.add_argument("--compare-records", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the comparison")
    ap.add_argument("--gate-backlog", type=int, default=20_000, help="backlog drained while the gate commits (0 to skip)")
    args = ap.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        work = Path(tmp)
        for backend in args.backends.split(","):
            pg = create_pg_database() if backend == "postgresql" else None
            central_dir = work / f"central-{backend}"
            db_url = pg or f"sqlite:///{central_dir / 'central.db'}"
            central = start_central(central_dir, db_url, workers=2 if pg else 1)
            engine = make_engine(db_url)
            try:
                head = run_once(central.url, engine, work, args.records, args.batch)
                print(f"\n{args.records:,}-record backlog, `kiosk sync --once`, server on {backend}"
                      f"{' (2 workers)' if pg else ''}:")
                table({args.batch: head})
                if args.gate_backlog and backend == "sqlite":
                    bench_gate_during_sync(central.url, engine, work, args.gate_backlog, args.rounds)
                sizes = [int(x) for x in args.compare.split(",") if x]
                if sizes and backend == "sqlite":
                    walls: dict[int, list[float]] = {b: [] for b in sizes}
                    last: dict[int, dict[str, float]] = {}
                    for rnd in range(args.rounds):
                        order = sizes if rnd % 2 == 0 else list(reversed(sizes))  # interleaved, alternating order
                        for b in order:
                            last[b] = run_once(central.url, engine, work, args.compare_records, b, 4_000_000)
                            walls[b].append(last[b]["wall_s"])
                    ref = statistics.median(walls[500]) if 500 in walls else statistics.median(walls[sizes[0]])
                    print(f"\nbatch sizes side by side, {args.compare_records:,} records each, {args.rounds} interleaved rounds, "
                          f"server on {backend}: median wall time (all rounds) and ratio to 500")
                    print("| batch (records) | median wall | runs | median records/s | ratio to 500 | last run: batch p50 / p95 |")
                    print("| --- | --- | --- | --- | --- | --- |")
                    for b in sizes:
                        med = statistics.median(walls[b])
                        runs = ", ".join(f"{w:.1f}" for w in walls[b])
                        print(f"| {b} | {med:.1f} s | {runs} | {args.compare_records / med:,.0f} | {med / ref:.2f}× | "
                              f"{last[b]['p50_ms']:.0f} / {last[b]['p95_ms']:.0f} ms |")
            finally:
                engine.dispose()
                central.stop()
                if pg:
                    drop_pg_database(pg)


if __name__ == "__main__":
    main()
