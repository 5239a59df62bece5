"""`kiosk-central monitoring` at 1,000,000 records on PostgreSQL: the command as an operator runs it
(a process of its own, `--json`), for yesterday (a full day: its alerts are raised) and today.

The history is the console benchmark's (tests/benchmarks/console_data.py: records shaped as kiosks
upload them, about one arrival in 200 a key person), COPYed into a throwaway database for 50 gates of
one community over the last 14 days. The console's projections are then brought up to date, as a
running server has them. Each timed run starts with the community's server-raised alerts deleted,
so every run raises the same alerts. First the floor: the command for a community without gates.
Last, the command once more after its projection was left a day behind (a server whose console
nobody opened that day), and the parts timed in this process: the projection's catch-up,
key_entries.monitored (what the command and the automatic check read) and monitoring.monitored_on
(the records' bodies parsed: the reference), whose answers must be equal.

Run: .venv/bin/python tests/benchmarks/bench_monitoring.py [--records 1000000] [--gates 50] [--days 14] [--runs 3]
     [--keep [--build-only]] [--db URL --data-dir PATH (a kept database: no build)]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import Engine, delete, insert, update  # noqa: E402

from sync.server.alerts import monitoring  # noqa: E402
from sync.server.alerts.tables import alerts  # noqa: E402
from sync.server.console import alerts as console_alerts  # noqa: E402
from sync.server.console import key_entries  # noqa: E402
from sync.server.console.tables import console_state  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.devices.tables import devices  # noqa: E402
from sync.server.settings import local_today, monitoring_periods  # noqa: E402
from tests.benchmarks import console_data  # noqa: E402
from tests.server.central import BIN, create_pg_database, drop_pg_database  # noqa: E402

COMMUNITY = "bench"
TZ = "Asia/Shanghai"  # the server's default zone
T = TypeVar("T")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def build(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    """A migrated server, 50 gates of one community, the bulk history, the projections caught up."""
    subprocess.run([str(BIN), "init", "--data-dir", str(data_dir), "--db", db_url], check=True, capture_output=True)
    gates = [console_data.Gate(f"bench-gate-{i:02d}", str(uuid.uuid4())) for i in range(args.gates)]
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(insert(devices), [{"device_id": g.device_id, "journal_id": g.journal_id, "community": COMMUNITY, "secret": "-",
                                        "enrolled_at": "2026-11-01T00:00:00+00:00", "anchor_hash": "0" * 64, "verified_hash": "0" * 64}
                                       for g in gates])
    now = datetime.now(UTC)
    per = [args.records // args.gates + (1 if i < args.records % args.gates else 0) for i in range(args.gates)]
    print(f"loading {args.records:,} records for {args.gates} gates over {args.days} days with COPY ...", flush=True)
    took = console_data.load(db_url.replace("postgresql+psycopg://", "postgresql://"), gates, per, now - timedelta(days=args.days), now)
    print(f"  COPY {took['copy_s']:.0f} s, with VACUUM ANALYZE {took['total_s']:.0f} s", flush=True)
    t0 = time.perf_counter()
    console_alerts.catch_up(engine)
    print(f"  projections caught up with the whole history in {time.perf_counter() - t0:.0f} s (as a running server has them)", flush=True)
    engine.dispose()


def run_command(engine: Engine, db_url: str, data_dir: Path, day: date, community: str = COMMUNITY) -> tuple[float, dict[str, Any]]:
    """One `kiosk-central monitoring --json` in its own process, after the community's server alerts are deleted."""
    with engine.begin() as conn:
        conn.execute(delete(alerts).where(alerts.c.community == community, alerts.c.source == "server"))
    argv = [str(BIN), "monitoring", "--date", day.isoformat(), "--community", community, "--json", "--data-dir", str(data_dir), "--db", db_url]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(proc.stdout)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def set_back(engine: Engine, hours: float) -> None:
    """Leave the projections' watermark `hours` behind the clock (what a day without console traffic leaves)."""
    mark = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
    with engine.begin() as conn:
        conn.execute(update(console_state).where(console_state.c.key == console_alerts.WATERMARK).values(value=mark))


def measure(db_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    engine = make_engine(db_url)
    today = local_today(TZ)
    # The floor: the same command for a community without gates (interpreter, imports, settings, the
    # database opened and its schema checked; the catch-up with nothing new).
    floor = [run_command(engine, db_url, data_dir, today, "no-gates")[0] for _ in range(args.runs)]
    print(f"  a community without gates: {statistics.median(floor):.2f} s median (load {load()})", flush=True)
    rows = []
    for label, day in (("yesterday (full day, alerts raised)", today - timedelta(days=1)), ("today (so far)", today)):
        times, outs = [], []
        for _ in range(args.runs):
            took, out = run_command(engine, db_url, data_dir, day)
            times.append(took)
            outs.append(out)
            print(f"  {label}: {took:.2f} s (load {load()})", flush=True)
        assert all(o == outs[0] for o in outs), "runs disagree"
        rows.append((label, times, outs[0]))
    set_back(engine, 24)
    behind, out = run_command(engine, db_url, data_dir, today - timedelta(days=1))
    print(f"  yesterday, the projection a day behind: {behind:.2f} s (load {load()})", flush=True)

    # The parts, in this process; the projection's answer against the bodies' (the reference).
    periods = monitoring_periods("")  # the server default, as the command reads it
    caught, _ = timed(lambda: console_alerts.catch_up(engine))
    parts = []
    for label, day, cli_out in ((r[0], today - timedelta(days=i), r[2]) for i, r in ((1, rows[0]), (0, rows[1]))):
        with engine.connect() as conn:
            t_new, new = timed(lambda: key_entries.monitored(conn, COMMUNITY, day, TZ, periods))  # noqa: B023 - called at once
            t_old, old = timed(lambda: monitoring.monitored_on(conn, COMMUNITY, day, TZ, periods))  # noqa: B023
        want = [m.public() for m in old]
        assert [m.public() for m in new] == want, f"projection and bodies disagree on {day}"
        missing = [p for p in want if not p["has_reading"]]
        assert (cli_out["monitored"], cli_out["missing"], cli_out["people"]) == (len(want), len(missing), missing), f"command on {day}"
        parts.append((label, t_new, t_old, len(want), len(missing), cli_out["alerts_raised"]))
    engine.dispose()

    print(f"\nload average at end: {load()}")
    print("\n| `kiosk-central monitoring --json` | runs | median | min | monitored | missing | alerts raised |\n| --- | --- | --- | --- | --- | --- | --- |")
    for (label, times, out), part in zip(rows, parts, strict=True):
        print(f"| {label} | {len(times)} | {statistics.median(times):.2f} s | {min(times):.2f} s | {out['monitored']:,} | {out['missing']:,} | {part[5]:,} |")
    print(f"| yesterday, projection a day behind | 1 | {behind:.2f} s | | | | |")
    print(f"| a community without gates (the floor) | {len(floor)} | {statistics.median(floor):.2f} s | {min(floor):.2f} s | 0 | 0 | 0 |")
    print(f"\nin this process, after the runs: the projection's catch-up {caught * 1000:.0f} ms (nothing new if the command caught up)")
    print("\n| day | key_entries.monitored (projection) | monitoring.monitored_on (bodies) | people |\n| --- | --- | --- | --- |")
    for label, t_new, t_old, n, _, _ in parts:
        print(f"| {label} | {t_new * 1000:.0f} ms | {t_old:.1f} s | {n:,} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--gates", type=int, default=50)
    ap.add_argument("--days", type=int, default=14, help="the history spans this many days up to now")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of the command per day")
    ap.add_argument("--keep", action="store_true", help="keep the database and data folder (prints both) for another run")
    ap.add_argument("--db", help="a kept database's URL: measure it, build nothing (with --data-dir)")
    ap.add_argument("--data-dir", help="the kept database's data folder")
    ap.add_argument("--build-only", action="store_true", help="with --keep: build the database, measure later (a quieter machine)")
    args = ap.parse_args()

    print(f"load average at start: {load()}", flush=True)
    if args.db:
        measure(args.db, Path(args.data_dir), args)
        return
    db_url = create_pg_database()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    try:
        build(db_url, data_dir, args)
        if not args.build_only:
            measure(db_url, data_dir, args)
    finally:
        if args.keep:
            print(f"kept: --db {db_url} --data-dir {data_dir}")
        else:
            drop_pg_database(db_url)
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
