"""A city district on one server (issue 15): 2,000 simulated kiosks on one asyncio event loop against
one `kiosk-central serve --workers N` on PostgreSQL, at peak-hour rates, for a bounded time.

Each kiosk: a gate pass every few seconds (exponential gaps, mean --pass-every), chained and hashed as
the kiosk does; a signed gzip batch of what is pending every few seconds (--batch-every, jittered);
a bundle poll with its ETag every --bundle-every seconds; an online code check for a share of passes.
Answers are classified with the kiosk's own rules (sync.classify, sync.common.backoff): 503/429 wait at least
Retry-After, 2xx acknowledges through acked_through_seq. After the peak, every kiosk drains what it
holds; then the database is read back: nothing lost, nothing twice, every chain complete.

Run: .venv/bin/python tests/benchmarks/bench_district.py [--kiosks 2000] [--duration 60] [--workers 2]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync.common.backoff import Backoff, parse_retry_after  # noqa: E402
from sync.protocol import PATH_BATCHES, PATH_BUNDLE, PATH_CODE_CHECK, PATH_ENROLL, encode_batch, sign_request  # noqa: E402
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash  # noqa: E402
from sync.protocol.classify import Verdict, classify  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from tests.server.central import batch_headers, create_pg_database, drop_pg_database, start_central  # noqa: E402

MAX_BATCH = 500


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


@dataclass
class Stats:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # ms, answered 2xx/304
    status: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    waits_after_shed: list[float] = field(default_factory=list)  # seconds a kiosk waited after a 503/429
    retry_after_seen: list[float] = field(default_factory=list)


@dataclass
class SimKiosk:
    device_id: str
    secret: str
    journal: str
    seq: int = 0
    prev: str = GENESIS_HASH
    pending: list[dict[str, object]] = field(default_factory=list)
    acked_through: int = 0
    etag: str | None = None

    def gate_pass(self) -> None:
        self.seq += 1
        uid, at = str(uuid.uuid4()), time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        body = canonical_json({"direction": "in", "person_kind": "resident", "code_format": "cn-token", "code_colour": "green",
                               "temperature_c": 36.5, "outcome": "pass", "reasons": [], "guard": "guard-01", "n": self.seq})
        digest = record_hash(self.journal, self.seq, uid, "gate_entry", at, body, self.prev)
        self.pending.append({"uuid": uid, "seq": self.seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": self.prev,
                             "hash": digest})
        self.prev = digest


async def call(http: aiohttp.ClientSession, url: str, k: SimKiosk, method: str, path: str, body: bytes, headers: dict[str, str],
               stats: Stats, endpoint: str) -> tuple[int | None, dict[str, object] | None, float | None]:
    """One signed attempt: (status, JSON body, Retry-After seconds)."""
    hdrs = {**headers, **sign_request(k.device_id, k.secret, method, path, body)}
    t0 = time.perf_counter()
    try:
        async with http.request(method, url + path, data=body or None, headers=hdrs, timeout=aiohttp.ClientTimeout(total=30)) as resp:
            payload = await resp.read()
            status = resp.status
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            if resp.headers.get("ETag"):
                k.etag = resp.headers["ETag"]
    except (TimeoutError, aiohttp.ClientError) as exc:
        stats.status[(endpoint, 0)] += 1
        stats.errors.append(f"{endpoint}: {type(exc).__name__} {exc}"[:200])
        return None, None, None
    stats.status[(endpoint, status)] += 1
    if status in (200, 304):
        stats.latency[endpoint].append((time.perf_counter() - t0) * 1000)
    elif status not in (429, 503):
        stats.errors.append(f"{endpoint}: {status} {payload[:200]!r}")
    data = json.loads(payload) if payload and status != 304 and payload[:1] == b"{" else None
    return status, data, retry_after


async def upload(http: aiohttp.ClientSession, url: str, k: SimKiosk, stats: Stats, backoff: Backoff) -> None:
    """Send what is pending (one batch), retrying by the kiosk's rules until acknowledged."""
    attempt = 0
    while k.pending:
        chunk = k.pending[:MAX_BATCH]
        bid = str(uuid.uuid4())
        body = encode_batch(k.device_id, bid, chunk, device_last_seq=k.seq)
        status, data, retry_after = await call(http, url, k, "POST", PATH_BATCHES, body, batch_headers(bid), stats, "batches")
        error_code = (data or {}).get("error", {}).get("code") if isinstance((data or {}).get("error"), dict) else None  # type: ignore[union-attr]
        verdict = classify(status, error_code)
        if verdict is Verdict.ACK and data is not None:
            k.acked_through = int(data["acked_through_seq"])  # type: ignore[call-overload]
            k.pending = [r for r in k.pending if int(r["seq"]) > k.acked_through]  # type: ignore[call-overload]
            return
        if verdict is not Verdict.RETRY:
            stats.errors.append(f"batch {status} {data}")
            return
        attempt += 1
        wait = backoff.delay(attempt, retry_after)
        if retry_after is not None:
            stats.retry_after_seen.append(retry_after)
            stats.waits_after_shed.append(wait)
        await asyncio.sleep(wait)


async def run_kiosk(http: aiohttp.ClientSession, url: str, k: SimKiosk, args: argparse.Namespace, stats: Stats, end: float) -> None:
    """Three loops, as on a kiosk: the gate (passes and their code checks) never waits for the uploader."""
    loop = asyncio.get_running_loop()

    async def gate() -> None:
        while True:
            await asyncio.sleep(random.expovariate(1 / args.pass_every))
            if loop.time() >= end:
                return
            k.gate_pass()
            if random.random() < args.code_check_share:
                body = json.dumps({"request_id": str(uuid.uuid4()), "qr_text": f"https://hc.example/t/{uuid.uuid4().hex}"}).encode()
                await call(http, url, k, "POST", PATH_CODE_CHECK, body, {"Content-Type": "application/json"}, stats, "code-check")

    async def uploader() -> None:
        backoff = Backoff(base_s=1.0, cap_s=60.0)
        await asyncio.sleep(random.uniform(0, args.batch_every))
        while loop.time() < end:
            await upload(http, url, k, stats, backoff)
            await asyncio.sleep(args.batch_every * random.uniform(0.5, 1.5))

    async def bundles() -> None:
        await asyncio.sleep(random.uniform(0, args.bundle_every))
        while loop.time() < end:
            await call(http, url, k, "GET", PATH_BUNDLE, b"", {"If-None-Match": k.etag} if k.etag else {}, stats, "bundle")
            await asyncio.sleep(args.bundle_every * random.uniform(0.8, 1.2))

    await asyncio.gather(gate(), uploader(), bundles())


async def enrol_all(url: str, codes: list[str]) -> list[SimKiosk]:
    gate = asyncio.Semaphore(16)

    async def one(http: aiohttp.ClientSession, code: str) -> SimKiosk:
        journal = str(uuid.uuid4())
        async with gate:
            for _ in range(20):
                async with http.post(url + PATH_ENROLL, json={"protocol": 1, "enroll_code": code, "journal_id": journal,
                                                              "enroll_key": uuid.uuid4().hex}) as resp:
                    if resp.status == 200:
                        data = await resp.json()
                        return SimKiosk(data["device_id"], data["device_secret"], journal)
                    await asyncio.sleep(1)
        raise SystemExit(f"enrolment failed: {resp.status}")

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as http:
        return list(await asyncio.gather(*(one(http, c) for c in codes)))


async def simulate(url: str, kiosks: list[SimKiosk], args: argparse.Namespace, stats: Stats) -> float:
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector) as http:
        end = asyncio.get_running_loop().time() + args.duration
        await asyncio.gather(*(run_kiosk(http, url, k, args, stats, end) for k in kiosks))
        drained = time.perf_counter()
        backoff = Backoff(base_s=1.0, cap_s=30.0)
        await asyncio.wait_for(asyncio.gather(*(upload(http, url, k, stats, backoff) for k in kiosks)), timeout=args.drain_timeout)
        return time.perf_counter() - drained


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosks", type=int, default=2000)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of peak traffic")
    ap.add_argument("--pass-every", type=float, default=4.0, help="mean seconds between gate passes at one kiosk (peak)")
    ap.add_argument("--batch-every", type=float, default=5.0, help="mean seconds between a kiosk's uploads")
    ap.add_argument("--bundle-every", type=float, default=60.0)
    ap.add_argument("--code-check-share", type=float, default=0.3, help="share of passes with an online code check")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-inflight", type=int, default=32, help="the server's KIOSK_CENTRAL_MAX_INFLIGHT")
    ap.add_argument("--connections", type=int, default=1000, help="open connections the simulated kiosks share at most")
    ap.add_argument("--drain-timeout", type=float, default=120.0)
    args = ap.parse_args()

    url = create_pg_database()
    os.environ["KIOSK_CENTRAL_MAX_INFLIGHT"] = str(args.max_inflight)
    central = start_central(Path(tempfile.mkdtemp(prefix="bench-district-")), url, workers=args.workers)
    engine = make_engine(url)
    try:
        codes: list[str] = []
        while len(codes) < args.kiosks:
            n = min(1000, args.kiosks - len(codes))
            out = json.loads(central.cli("device", "add", "--count", str(n), "--json").stdout)
            codes += [d["enroll_code"] for d in (out if isinstance(out, list) else [out])]
        t0 = time.perf_counter()
        kiosks = asyncio.run(enrol_all(central.url, codes))
        print(f"{len(kiosks)} kiosks enrolled in {time.perf_counter() - t0:.1f} s", flush=True)
        stats = Stats()
        t0, cpu0 = time.perf_counter(), time.process_time()
        drain_s = asyncio.run(simulate(central.url, kiosks, args, stats))
        wall, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "select device_id, count(*), count(distinct uuid), count(distinct seq), max(seq) from records group by device_id").all()
            chains = dict(conn.exec_driver_sql("select chain_status, count(*) from devices group by chain_status").all())
        held = {r[0]: r for r in rows}
        made = sum(k.seq for k in kiosks)
        stored = sum(r[1] for r in rows)
        lost = sum(k.seq - (held[k.device_id][2] if k.device_id in held else 0) for k in kiosks)
        twice = sum(r[1] - r[2] for r in rows) + sum(r[1] - r[3] for r in rows)
        short = sum(1 for k in kiosks if k.pending or k.acked_through != k.seq)
    finally:
        central.stop()
        engine.dispose()
        drop_pg_database(url)

    print(f"\n{args.kiosks} kiosks, {args.duration:.0f} s of peak (a pass every {args.pass_every} s, a batch every {args.batch_every} s, "
          f"a bundle poll every {args.bundle_every} s, code checks for {args.code_check_share:.0%} of passes), {args.workers} workers, "
          f"max in flight {args.max_inflight} per worker; drain after the peak {drain_s:.1f} s; total {wall:.1f} s; "
          f"the load generator itself used {client_cpu:.0f} s of CPU ({client_cpu / wall:.0%} of a core) on the same machine")
    for ep in ("batches", "code-check", "bundle"):
        answered = {s: n for (e, s), n in sorted(stats.status.items()) if e == ep}
        lat = stats.latency.get(ep, [])
        rate = sum(answered.values()) / wall
        print(f"{ep:<10} {rate:6.1f} req/s  answers {answered}  latency ms p50 {pct(lat, 50):.0f} p95 {pct(lat, 95):.0f} "
              f"p99 {pct(lat, 99):.0f} max {max(lat, default=float('nan')):.0f}")
    if stats.retry_after_seen:
        print(f"shed answers waited out: {len(stats.waits_after_shed)}; Retry-After given {min(stats.retry_after_seen):.0f}-"
              f"{max(stats.retry_after_seen):.0f} s; waited min {min(stats.waits_after_shed):.1f} s, median "
              f"{statistics.median(stats.waits_after_shed):.1f} s")
    print(f"records made {made:,}, stored {stored:,} ({made / wall:,.0f}/s made over the run); lost {lost}; stored twice {twice}; "
          f"kiosks not fully acknowledged {short}; device chains {chains}")
    print(f"errors (other than 503/429 sheds): {len(stats.errors)} {stats.errors[:3]}")


if __name__ == "__main__":
    main()
