"""Key persons from console_key_entries: what monitoring reads of each record (monitoring.Sighting),
copied once when the record arrives (alerts.refresh), so the overview, the daily report and the
key-persons page fold a few rows instead of parsing 14 days of record bodies per page (issue 13:
the console benchmark timed out at 1M records).

The fold is monitoring's own (key_people, add_readings): the same people, categories, periods and
readings as monitoring.monitored_on reading the records (tests/console/test_console_key_entries.py).
Periods and the time zone are applied when read, so a setting changed later needs no re-copy.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import Connection, case, distinct, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from sync.common.daily_report import day_window
from sync.common.key_persons import KeyCategory
from sync.server.alerts import monitoring
from sync.server.alerts.monitoring import Monitored, Sighting
from sync.server.alerts.tables import home_isolation
from sync.server.console.tables import key_entries
from sync.server.records.tables import records

KINDS = ("gate_entry", "visitor")
BACKFILL_PAGE = 5000


def row_of(record_uuid: str, device_id: str, kind: str, created_at: str, body: Any) -> dict[str, Any] | None:
    """The console_key_entries row of a record's parsed body; None when monitoring cannot need it."""
    s = monitoring.sighting(kind, created_at, body)
    if s is None:
        return None
    role = "visitor" if s.kind == "visitor" else "arrival" if s.categories else "entry"
    return {"record_uuid": record_uuid, "device_id": device_id, "created_at": created_at, "role": role, "person": s.person,
            "categories": ",".join(sorted(s.categories)), "id_masked": s.id_masked, "name_masked": s.name_masked,
            "readings": json.dumps(list(s.readings)), "fever": s.fever}


def _sighting(r: Any) -> Sighting:
    return Sighting(r.created_at, "visitor" if r.role == "visitor" else "gate_entry", r.person,
                    frozenset(filter(None, r.categories.split(","))), r.id_masked, r.name_masked,
                    tuple(json.loads(r.readings)), bool(r.fever))


def insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        ins: Any = postgresql.insert(key_entries) if conn.dialect.name == "postgresql" else sqlite.insert(key_entries)
        conn.execute(ins.on_conflict_do_nothing(), rows)


def monitored(conn: Connection, community: str, day: date, tz: str, periods: dict[str, int]) -> list[Monitored]:
    """monitoring.monitored_on's answer, from the projection."""
    ids = monitoring.community_devices(conn, community)
    if not ids:
        return monitoring.ordered(monitoring.key_people(conn, community, day, tz, periods, []))
    start, day_start, day_end = monitoring.window(day, tz, periods)
    k = key_entries.c
    in_window = (k.created_at >= start, k.created_at < day_end, k.device_id.in_(ids))
    seen = [_sighting(r) for r in conn.execute(
        select(key_entries).where(k.role.in_(("arrival", "visitor")), *in_window).order_by(k.created_at, k.record_uuid))]
    people = monitoring.key_people(conn, community, day, tz, periods, seen)
    if people:
        # The day's entries of anyone who may be monitored (the window's key arrivals, the isolated on the
        # roster), in one ordered query: add_readings keeps only the people found above.
        arrivals = select(k.person).where(k.role == "arrival", *in_window)
        isolated = select(home_isolation.c.roster_uuid).where(home_isolation.c.community == community,
                                                              home_isolation.c.roster_uuid.is_not(None))
        todays = conn.execute(select(key_entries).where(
            k.role.in_(("arrival", "entry")), k.created_at >= day_start, k.created_at < day_end, k.device_id.in_(ids),
            or_(k.person.in_(arrivals), k.person.in_(isolated))).order_by(k.created_at, k.record_uuid))
        monitoring.add_readings(people, (_sighting(r) for r in todays))
    return monitoring.ordered(people)


def category_counts(conn: Connection, community: str, day: date, tz: str, periods: dict[str, int]) -> Counter[str]:
    """How many people monitored() would list in each category, counted in SQL (the overview and the
    daily report): a key arrival counts when its category's period still reaches `day` (for an arrival
    in several categories, the longest), that is when it came on or after the period's first day."""
    ids = monitoring.community_devices(conn, community)
    counts: Counter[str] = Counter()
    isolated = {monitoring.isolation_key(r) for r in monitoring.isolated_on(conn, community, day)}
    if ids:
        start, _, day_end = monitoring.window(day, tz, periods)
        k = key_entries.c
        since = {cats: first for cats, first in _first_days(day, tz, periods).items() if first != start}
        cutoff = case(since, value=k.categories, else_=start) if since else start  # one bound when every period is the same
        counting = select(k.person, k.categories).where(k.role == "arrival", k.created_at >= start, k.created_at < day_end,
                                                        k.device_id.in_(ids), k.created_at >= cutoff).subquery()
        marked = literal(",") + counting.c.categories + literal(",")
        cats = [str(c) for c in KeyCategory if c is not KeyCategory.HOME_ISOLATION]
        row = conn.execute(select(*(func.count(distinct(case((marked.like(f"%,{c},%"), counting.c.person)))) for c in cats))).one()
        counts.update(dict(zip(cats, row, strict=True)))
        isolated |= set(conn.execute(select(counting.c.person).where(marked.like(f"%,{KeyCategory.HOME_ISOLATION},%")).distinct()).scalars())
    counts[str(KeyCategory.HOME_ISOLATION)] = len(isolated)
    return counts


def _first_days(day: date, tz: str, periods: dict[str, int]) -> dict[str, str]:
    """Every stored categories value (a sorted, comma-joined set) -> the UTC start of the first day an
    arrival in those categories can have come and still be monitored on `day`."""
    values = [str(c) for c in KeyCategory]
    return {",".join(sorted(subset)): day_window(day - timedelta(days=monitoring.period_of(set(subset), periods) - 1), tz)[0]
            for n in range(1, len(values) + 1) for subset in combinations(values, n)}


def backfill(conn: Connection) -> int:
    """Copy the records already held (migration 0012 runs it), in pages of BACKFILL_PAGE, by uuid."""
    done, last = 0, ""
    while True:
        page = conn.execute(
            select(records.c.uuid, records.c.device_id, records.c.kind, records.c.created_at, records.c.body)
            .where(records.c.kind.in_(KINDS), records.c.uuid > last).order_by(records.c.uuid).limit(BACKFILL_PAGE)
        ).all()
        rows = []
        for r in page:
            try:
                body = json.loads(r.body)
            except ValueError:
                continue
            if (row := row_of(r.uuid, r.device_id, r.kind, r.created_at, body)) is not None:
                rows.append(row)
        insert(conn, rows)
        done += len(rows)
        if len(page) < BACKFILL_PAGE:
            return done
        last = page[-1].uuid
