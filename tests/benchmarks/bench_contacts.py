"""Close-contact look-up benchmark (issue 12): a generated community of 50 gates, 14 days and
1,000,000 passes in the `passes` projection, on PostgreSQL and on SQLite; depth-1 and depth-2
look-ups of random residents through sync.server.contacts.tracing.find_contacts (the command's own code,
masking and unsealing included), p50/p95 side by side, and the query plans (EXPLAIN ANALYZE of the
depth-1 and depth-2 statements for the first resident looked up).

Run: .venv/bin/python tests/benchmarks/bench_contacts.py [--passes 1000000] [--people 24000] [--queries 30]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nacl.public import PrivateKey, SealedBox  # noqa: E402
from sqlalchemy import select  # noqa: E402

from kiosk.domain.identity import check_digit  # noqa: E402
from kiosk.domain.masking import mask_id, mask_name  # noqa: E402
from sync.protocol import roster_lookup_hash  # noqa: E402
from sync.server.contacts.queries import around_anchors, close_param, secondary_query  # noqa: E402
from sync.server.contacts.tables import pass_people  # noqa: E402
from sync.server.contacts.tracing import WORK_MEM, ContactQuery, Keys, find_contacts  # noqa: E402
from sync.server.context import ServerContext  # noqa: E402
from sync.server.devices.device_secrets import community_lookup_key  # noqa: E402
from sync.server.settings import from_env  # noqa: E402
from tests.server.central import create_pg_database, drop_pg_database  # noqa: E402

GATES, DAYS = 50, 14
START = datetime(2026, 11, 1, tzinfo=UTC)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def person_id(n: int) -> str:
    first = f"1101011990{n:07d}"
    return first + check_digit(first)


def generate(ctx: ServerContext, n_passes: int, n_people: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(passes, pass_people): residents with a home gate (85% of their passes there), passes 06:00-23:00
    local (UTC+8), 2% of passes by an opaque token nobody answered for. Resident i is person_no i + 1."""
    rng = random.Random(seed)
    key = community_lookup_key(ctx.lookup_master, "default")
    box = SealedBox(PrivateKey(ctx.identity_private).public_key)
    seal = lambda s: base64.urlsafe_b64encode(box.encrypt(s.encode())).rstrip(b"=").decode()  # noqa: E731
    people = [(i + 1, roster_lookup_hash(key, "id", person_id(i)), mask_id(person_id(i)), mask_name(f"居民{i}"),
               seal(person_id(i)), seal(f"居民{i}")) for i in range(n_people)]
    homes = [rng.randrange(GATES) for _ in range(n_people)]
    start_ms = int(START.timestamp() * 1000)
    rows = []
    for n in range(n_passes):
        who = rng.randrange(n_people)
        named = rng.random() >= 0.02
        gate = homes[who] if rng.random() < 0.85 else rng.randrange(GATES)
        at = start_ms + rng.randrange(DAYS) * 86_400_000 + rng.randrange(-2 * 3_600_000, 15 * 3_600_000)  # 06:00-23:00 CST
        rows.append((f"{n:036d}", "default", f"gate-{gate:02d}", at, rng.choice(("in", "out")),
                     people[who][1] if named else None, "id-number", who + 1 if named else None))
    return rows, people


def load(ctx: ServerContext, rows: list[tuple[Any, ...]], people: list[tuple[Any, ...]]) -> float:
    t0 = time.perf_counter()
    tables = (("pass_people", "person_no, person_hash, id_masked, name_masked, id_sealed, name_sealed", people),
              ("passes", "record_uuid, community, gate, at_ms, direction, person_hash, source, person_no", rows))
    raw = ctx.engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, cols, data in tables:
            if ctx.engine.dialect.name == "postgresql":
                with cur.copy(f"copy {table} ({cols}) from stdin") as copy:  # type: ignore[attr-defined]
                    for r in data:
                        copy.write_row(r)
            else:
                marks = ",".join("?" * len(data[0]))
                cur.execute("begin")
                cur.executemany(f"insert into {table} ({cols}) values ({marks})", data)  # noqa: S608 (constant names)
                cur.execute("commit")
            raw.commit()
        cur.execute("insert into pass_gates (gate) select distinct gate from passes order by gate")  # as ingest numbers them
        if ctx.engine.dialect.name == "sqlite":
            cur.execute("analyze")
        else:  # numbers given here, not drawn: the next one ingest draws comes after them
            cur.execute("select setval(pg_get_serial_sequence('pass_people', 'person_no'), (select max(person_no) from pass_people))")
        raw.commit()
    finally:
        raw.close()
    if ctx.engine.dialect.name == "postgresql":  # autovacuum would do it in time: the visibility map makes scans index-only
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("vacuum analyze passes")
            conn.exec_driver_sql("vacuum analyze pass_people")
    return time.perf_counter() - t0


def explain(ctx: ServerContext, keys: Keys, number: str, q: ContactQuery) -> str:
    """The plans of both levels' statements for one look-up (depth 2 with that person's close contacts)."""
    out = []
    close = find_contacts_numbers(ctx, keys, number, q)
    with ctx.engine.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        prefix = "explain (analyze, costs off, timing off) " if pg else "explain query plan "
        if pg and WORK_MEM:
            conn.exec_driver_sql(f"set local work_mem = '{WORK_MEM}'")
        me = conn.execute(select(pass_people.c.person_no).where(
            pass_people.c.person_hash == roster_lookup_hash(community_lookup_key(ctx.lookup_master, "default"), "id", number))).scalar()
        for title, query in (
                ("depth 1 (around_anchors)", around_anchors(conn.dialect.name, q.start_ms, q.end_ms, q.window_ms, None, False)
                 .params(anchors=[me])),
                (f"depth 2 (secondary_query, {len(close)} close contacts)",
                 secondary_query(conn.dialect.name, q.start_ms, q.end_ms, q.window_ms, None, False)
                 .params(close=close_param(conn.dialect.name, close)))):
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            out.append(f"-- {title}")
            lines = (" | ".join(str(c) for c in r) for r in conn.exec_driver_sql(prefix + sql).all())
            out += [line if len(line) <= 240 else line[:236] + " ..." for line in lines]  # the close list, cut short
    return "\n".join(out)


def find_contacts_numbers(ctx: ServerContext, keys: Keys, number: str, q: ContactQuery) -> list[int]:
    """The close contacts' person numbers: the depth-1 statement, as find_contacts runs it."""
    with ctx.engine.connect() as conn:
        me = conn.execute(select(pass_people.c.person_no).where(
            pass_people.c.person_hash == roster_lookup_hash(community_lookup_key(keys.lookup_master, "default"), "id", number))).scalar()
        rows = conn.execute(around_anchors(conn.dialect.name, q.start_ms, q.end_ms, q.window_ms, None, False), {"anchors": [me]})
        return sorted({r.person_no for r in rows if r.person_no is not None} - {me})


def phases(ctx: ServerContext, keys: Keys, targets: list[str], start: int, end: int) -> dict[str, float]:
    """Depth 2 taken apart (medians, ms): the whole look-up; the depth-2 statement alone (execute + fetch,
    with the close contacts found before); the rest of a look-up is depth 1 and Python building the answer."""
    got: dict[str, list[float]] = {"whole_depth2": [], "secondary_statement": []}
    for number in targets:
        q = ContactQuery(number, start, end, depth=2)
        close = find_contacts_numbers(ctx, keys, number, ContactQuery(number, start, end))
        with ctx.engine.connect() as conn:
            t0 = time.perf_counter()
            find_contacts(conn, keys, q)
            t1 = time.perf_counter()
            if conn.dialect.name == "postgresql" and WORK_MEM:
                conn.exec_driver_sql(f"set local work_mem = '{WORK_MEM}'")
            conn.execute(secondary_query(conn.dialect.name, start, end, q.window_ms, None, False),
                         {"close": close_param(conn.dialect.name, close)}).all()
            t2 = time.perf_counter()
        got["whole_depth2"].append(round((t1 - t0) * 1000, 1))
        got["secondary_statement"].append(round((t2 - t1) * 1000, 1))
    return {k: sorted(v)[len(v) // 2] for k, v in got.items()}


def bench(ctx: ServerContext, n_people: int, queries: int, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    keys = Keys(ctx.lookup_master, ctx.identity_private, ctx.data_key)
    start = int(START.timestamp() * 1000)
    end = start + DAYS * 86_400_000
    out: dict[str, Any] = {}
    targets = [person_id(rng.randrange(n_people)) for _ in range(queries)]
    for depth in (1, 2):
        times, close, secondary = [], [], []
        for number in targets:
            q = ContactQuery(number, start, end, 15 * 60_000, depth)
            t0 = time.perf_counter()
            with ctx.engine.connect() as conn:
                result = find_contacts(conn, keys, q)
            times.append(time.perf_counter() - t0)
            close.append(len(result["close"]))
            secondary.append(len(result["secondary"]))
        out[depth] = {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000, "max_ms": max(times) * 1000,
                      "close_median": sorted(close)[len(close) // 2], "secondary_median": sorted(secondary)[len(secondary) // 2]}
    out["phases"] = phases(ctx, keys, targets[:5], start, end)
    out["explain"] = explain(ctx, keys, targets[0], ContactQuery(targets[0], start, end))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passes", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=24_000)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--backends", default="postgresql,sqlite")
    args = ap.parse_args()
    print(f"bench_contacts {datetime.now(UTC):%Y-%m-%d}: {args.passes} passes, {GATES} gates, {DAYS} days, {args.people} residents")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            pg = create_pg_database() if backend == "postgresql" else None
            ctx = ServerContext.open(from_env(data_dir=Path(tmp) / "central", db=pg or f"sqlite:///{tmp}/central.db"))
            try:
                rows, people = generate(ctx, args.passes, args.people)
                loaded = load(ctx, rows, people)
                del rows, people
                res = bench(ctx, args.people, args.queries)
                print(f"\n== {backend}: loaded in {loaded:.1f} s")
                for depth in (1, 2):
                    r = res[depth]
                    print(f"depth {depth}: p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms "
                          f"(median {r['close_median']} close, {r['secondary_median']} secondary)")
                print("depth 2 taken apart (medians):", res["phases"])
                print("plans:")
                print(res["explain"])
            finally:
                ctx.close()
                if pg:
                    drop_pg_database(pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
