"""Central ingest on PostgreSQL, end to end beside the database alone (issue 15).

End to end: 20 simulated kiosks upload at once to the real `kiosk-central serve --workers N`
(signed gzip batches of kiosk-shaped records; strict parse, record hashes, chain link,
idempotency, sync log). Database only: batches of the same shape inserted by ONE connection with
the server's own statement (sync.server.records.ingest.PG_INSERT), one transaction per batch; and, since the
server also writes the contacts projection (issue 12), the same with the passes' rows added by the
server's statement (sync.server.contacts.passes.PG_PASSES). The three alternate within each round (same
noise for all); medians and the ratios end-to-end / database-only.
Also: how the kiosks' connections and the CPU split over the server's worker processes.

Run: .venv/bin/python tests/benchmarks/bench_ingest_pg.py [--kiosks 20] [--per-kiosk 5000] [--batch 500]
     [--workers 2] [--rounds 3]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests
import uuid6

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync.protocol import PATH_BATCHES, PATH_ENROLL, encode_batch, sign_request  # noqa: E402
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash  # noqa: E402
from sync.server.contacts.passes import PG_PASSES, at_ms  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.records.ingest import PG_INSERT  # noqa: E402
from tests.server.central import Central, batch_headers, create_pg_database, drop_pg_database, start_central  # noqa: E402

FIELDS = ("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash")


def kiosk_records(journal_id: str, first_seq: int, n: int, prev: str) -> list[dict[str, object]]:
    out = []
    for seq in range(first_seq, first_seq + n):  # what a busy gate writes: a gate pass with its decision
        uid = str(uuid6.uuid7())  # as the kiosk's store names records (kiosk/store/db.py): time-ordered
        at = f"2026-11-28T07:{seq // 60 % 60:02d}:{seq % 60:02d}.000000+00:00"
        body = canonical_json({"direction": "in", "person_kind": "resident", "code_format": "cn-token", "code_colour": "green",
                               "temperature_c": 36.5, "outcome": "pass", "reasons": [], "guard": "guard-01", "n": seq})
        digest = record_hash(journal_id, seq, uid, "gate_entry", at, body, prev)
        out.append({"uuid": uid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": prev, "hash": digest})
        prev = digest
    return out


class SimKiosk:
    def __init__(self, central: Central, code: str) -> None:
        journal = str(uuid.uuid4())
        resp = requests.post(central.url + PATH_ENROLL, timeout=30,
                             json={"protocol": 1, "enroll_code": code, "journal_id": journal, "enroll_key": uuid.uuid4().hex})
        resp.raise_for_status()
        self.journal, self.device_id, self.secret = journal, resp.json()["device_id"], resp.json()["device_secret"]
        self.seq, self.prev = 0, GENESIS_HASH

    def next_batches(self, n: int, batch: int) -> list[tuple[str, bytes, int]]:
        recs = kiosk_records(self.journal, self.seq + 1, n, self.prev)
        self.seq, self.prev = self.seq + n, str(recs[-1]["hash"])
        out = []
        for i in range(0, n, batch):
            bid = str(uuid.uuid4())
            out.append((bid, encode_batch(self.device_id, bid, recs[i : i + batch]), len(recs[i : i + batch])))
        return out


def worker_pids(serve_pid: int) -> list[int]:
    kids = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    return [int(k) for k in kids] or [serve_pid]


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s() -> float:
    """CPU seconds of every PostgreSQL process on this machine (backends, WAL writer, checkpointer)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1].startswith("postgres"):
            fields = tail.split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def connections_per_pid(pids: list[int], port: int) -> Counter[int]:
    """Established TCP connections on the server's port, by the process holding them (/proc/net/tcp + fds)."""
    inodes: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == "01":  # local port, ESTABLISHED
            inodes.add(parts[9])
    split: Counter[int] = Counter()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                split[pid] += 1
    return split


def end_to_end(central: Central, kiosks: list[SimKiosk], work: list[list[tuple[str, bytes, int]]], profile: Path | None = None,
               gil: bool = False) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    port = int(central.url.rsplit(":", 1)[1])
    pids = worker_pids(central.proc.pid)
    seen: list[Counter[int]] = []
    started = threading.Barrier(len(kiosks) + 1)

    def upload(k: SimKiosk, bodies: list[tuple[str, bytes, int]]) -> None:
        session = requests.Session()
        session.get(central.url + "/v1/time", timeout=10)  # the kept-alive connection, opened before the clock starts
        started.wait()
        for bid, body, _ in bodies:
            hdrs = {**batch_headers(bid), **sign_request(k.device_id, k.secret, "POST", PATH_BATCHES, body)}
            t0 = time.perf_counter()
            resp = session.post(central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=120)
            latencies.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 200 or resp.json()["stored"] != _:
                errors.append(f"{resp.status_code} {resp.text[:200]}")
        session.close()

    threads = [threading.Thread(target=upload, args=(k, w)) for k, w in zip(kiosks, work, strict=True)]
    for t in threads:
        t.start()
    started.wait()
    spies = [subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(p), "-r", "250", "-f", "raw", "--nonblocking", *(["--gil"] if gil else []),
                               "-o", str(profile / f"worker-{p}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for p in pids] if profile else []
    seen.append(connections_per_pid(pids, port))
    cpu0 = {p: cpu_s(p) for p in pids}
    pg0 = postgres_cpu_s()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = {p: cpu_s(p) - cpu0[p] for p in pids}
    pg_cpu = postgres_cpu_s() - pg0
    for spy in spies:  # py-spy writes its samples on SIGINT
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    if errors:
        raise SystemExit(f"upload errors: {errors[:3]}")
    total = sum(n for w in work for _, _, n in w)
    return {"rate": total / wall, "wall": wall, "p50": statistics.median(latencies), "p95": sorted(latencies)[int(0.95 * (len(latencies) - 1))],
            "conns": sorted(seen[0].values(), reverse=True), "cpu": sorted((round(c, 1) for c in cpu.values() if c >= 0.05), reverse=True),
            "cpu_us": sum(cpu.values()) / total * 1e6, "pg_us": pg_cpu / total * 1e6}


def database_only(url: str, batches: list[tuple[str, str, list[dict[str, object]]]], with_passes: bool = False) -> tuple[float, float]:
    """The records alone (the issue's baseline); with_passes: also the contacts projection's rows, built
    beforehand, with the server's own statement (the same database work as the server does per batch)."""
    passes = {bid: json.dumps([{"record_uuid": r["uuid"], "community": "default", "gate": device_id, "at_ms": at_ms(str(r["created_at"])),
                                "direction": "in", "person_hash": None, "source": None, "person_no": None} for r in recs])
              for device_id, bid, recs in batches} if with_passes else {}
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            conn.commit()
            pg0 = postgres_cpu_s()
            t0 = time.perf_counter()
            n = 0
            for device_id, bid, recs in batches:
                with conn.begin():
                    rows = json.dumps([{f: r[f] for f in FIELDS} for r in recs], ensure_ascii=False)
                    n += len(conn.execute(PG_INSERT, {"device_id": device_id, "received_at": "2026-11-29T00:00:00+00:00",
                                                      "batch_id": bid, "rows": rows}).all())
                    if with_passes:
                        conn.execute(PG_PASSES, {"rows": passes[bid]})
            wall = time.perf_counter() - t0
            pg_cpu = postgres_cpu_s() - pg0
    finally:
        engine.dispose()
    return n / wall, pg_cpu / n * 1e6  # records/s, PostgreSQL's CPU µs per record


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosks", type=int, default=20)
    ap.add_argument("--per-kiosk", type=int, default=5000, help="records per kiosk per round")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", type=Path, help="folder for py-spy samples (raw, folded stacks) of each worker during the uploads")
    ap.add_argument("--gil", action="store_true", help="with --profile: sample only the thread holding the GIL (where the CPU goes)")
    args = ap.parse_args()

    url = create_pg_database()
    central = start_central(Path(tempfile.mkdtemp(prefix="bench-ingest-pg-")), url, workers=args.workers)
    rows: list[tuple[float, dict[str, object]]] = []
    try:
        codes = [json.loads(central.cli("device", "add", "--count", str(args.kiosks), "--json").stdout)]
        codes_flat = [d["enroll_code"] for d in (codes[0] if isinstance(codes[0], list) else [codes[0]])]
        kiosks = [SimKiosk(central, c) for c in codes_flat]
        base_journal = [str(uuid.uuid4()) for _ in range(args.kiosks)]
        base_seq = 0
        for rnd in range(args.rounds):
            work = [k.next_batches(args.per_kiosk, args.batch) for k in kiosks]
            same_shape, with_passes = [], []  # the database-only sides: as many batches of the same records' shape
            for j in base_journal:
                recs = kiosk_records(j, base_seq + 1, args.per_kiosk, GENESIS_HASH)
                same_shape += [(j, str(uuid.uuid4()), recs[i : i + args.batch]) for i in range(0, len(recs), args.batch)]
                recs = kiosk_records(j + "-p", base_seq + 1, args.per_kiosk, GENESIS_HASH)
                with_passes += [(j + "-p", str(uuid.uuid4()), recs[i : i + args.batch]) for i in range(0, len(recs), args.batch)]
            base_seq += args.per_kiosk
            order = ("db", "e2e", "db+passes") if rnd % 2 == 0 else ("db+passes", "e2e", "db")
            result: dict[str, object] = {}
            for side in order:
                if side == "db":
                    result["db_rate"], result["db_pg_us"] = database_only(url, same_shape)
                elif side == "db+passes":
                    result["dbp_rate"], result["dbp_pg_us"] = database_only(url, with_passes, with_passes=True)
                else:
                    result.update(end_to_end(central, kiosks, work, args.profile, args.gil))
            ratio = float(result["rate"]) / float(result["db_rate"])  # type: ignore[arg-type]
            result["ratio_p"] = float(result["rate"]) / float(result["dbp_rate"])  # type: ignore[arg-type]
            rows.append((ratio, result))
            print(f"round {rnd + 1}: end to end {result['rate']:8,.0f} records/s (batch p50 {result['p50']:.0f} ms, "
                  f"p95 {result['p95']:.0f} ms); database only {result['db_rate']:8,.0f} records/s; ratio {ratio:.2f}; "
                  f"database only with passes {result['dbp_rate']:8,.0f} records/s, ratio {result['ratio_p']:.2f}; "
                  f"connections per worker {result['conns']}; worker CPU s {result['cpu']} ({result['cpu_us']:.0f} µs per record); "
                  f"PostgreSQL CPU µs per record: end to end {result['pg_us']:.0f}, database only {result['db_pg_us']:.0f}, "
                  f"with passes {result['dbp_pg_us']:.0f}", flush=True)
    finally:
        central.stop()
        drop_pg_database(url)
    e2e = statistics.median(float(r["rate"]) for _, r in rows)  # type: ignore[arg-type]
    db = statistics.median(float(r["db_rate"]) for _, r in rows)  # type: ignore[arg-type]
    print(f"\nmedian of {args.rounds} interleaved rounds, {args.kiosks} kiosks, batches of {args.batch}, {args.workers} workers:")
    cpu_us = statistics.median(float(r["cpu_us"]) for _, r in rows)  # type: ignore[arg-type]
    dbp = statistics.median(float(r["dbp_rate"]) for _, r in rows)  # type: ignore[arg-type]
    ratio_p = statistics.median(float(r["ratio_p"]) for _, r in rows)  # type: ignore[arg-type]
    print(f"end to end {e2e:,.0f} records/s; database only {db:,.0f} records/s; median ratio {statistics.median(r for r, _ in rows):.2f}; "
          f"database only with passes {dbp:,.0f} records/s, median ratio {ratio_p:.2f}; server CPU {cpu_us:.0f} µs per record")
    pg = {k: statistics.median(float(r[k]) for _, r in rows) for k in ("pg_us", "db_pg_us", "dbp_pg_us")}  # type: ignore[arg-type]
    print(f"PostgreSQL CPU per record (median): end to end {pg['pg_us']:.0f} µs; database only {pg['db_pg_us']:.0f} µs; "
          f"with passes {pg['dbp_pg_us']:.0f} µs")


if __name__ == "__main__":
    main()
