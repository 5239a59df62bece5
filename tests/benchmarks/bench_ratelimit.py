"""Rate-limit benchmark (issue 10): is the count exact when two server processes share it, and
what does counting cost a request?

For each backend (SQLite file; PostgreSQL), two `kiosk-central` processes on one database with
KIOSK_CENTRAL_RATE_ANON_PER_MINUTE=LIMIT. THREADS clients fire REQUESTS GET /v1/time from one
client address (X-Forwarded-For from 127.0.0.1), alternating between the two processes: exactly
LIMIT must be answered 200 and the rest 429 with Retry-After. Then, side by side in the same
processes, the median latency of an accepted request, of a refused one, and of a request from
a fresh address each time (one counter row inserted per request).

Run: .venv/bin/python tests/benchmarks/bench_ratelimit.py [--limit 100] [--requests 400] [--threads 8]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.server.central import create_pg_database, drop_pg_database, start_central  # noqa: E402


def _get(url: str, addr: str) -> tuple[int, float, str | None]:
    started = time.perf_counter()
    resp = requests.get(url + "/v1/time", headers={"X-Forwarded-For": addr}, timeout=30)
    return resp.status_code, (time.perf_counter() - started) * 1000, resp.headers.get("Retry-After")


def run(name: str, tmp: Path, db_url: str, args: argparse.Namespace) -> None:
    env = {"KIOSK_CENTRAL_RATE_ANON_PER_MINUTE": str(args.limit)}
    a = start_central(tmp, db_url, env=env)
    b = start_central(tmp, db_url, env=env)
    try:
        addr = f"10.9.{uuid.uuid4().int % 250}.1"
        urls = [(a.url if i % 2 else b.url) for i in range(args.requests)]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            answers = list(pool.map(lambda u: _get(u, addr), urls))
        wall = time.perf_counter() - started
        ok = [ms for status, ms, _ in answers if status == 200]
        refused = [ms for status, ms, _ in answers if status == 429]
        waits = sorted({int(ra) for status, _, ra in answers if status == 429 and ra})
        print(f"{name}: {len(ok)} accepted / {len(refused)} refused of {args.requests} (limit {args.limit}, 2 processes, "
              f"{args.threads} threads) in {wall:.2f} s; Retry-After {waits[0]}-{waits[-1]} s" if waits else "")
        assert len(ok) == args.limit and len(refused) == args.requests - args.limit, (len(ok), len(refused))
        # side by side: accepted (fresh address each time), refused (the exhausted address)
        fresh, over = [], []
        for _ in range(args.rounds):
            fresh.append(_get(a.url, f"10.8.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")[1])
            over.append(_get(a.url, addr)[1])
        print(f"{name}: median latency, new address (counter row inserted) {statistics.median(fresh):.1f} ms; "
              f"over the limit (429) {statistics.median(over):.1f} ms; during the burst: accepted p50 "
              f"{statistics.median(ok):.1f} ms, refused p50 {statistics.median(refused):.1f} ms")
    finally:
        a.stop()
        b.stop()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--rounds", type=int, default=200)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", Path(tmp) / "sqlite", f"sqlite:///{Path(tmp) / 'sqlite' / 'central.db'}", args)
        pg_url = create_pg_database()
        try:
            run("PostgreSQL", Path(tmp) / "pg", pg_url, args)
        finally:
            drop_pg_database(pg_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
