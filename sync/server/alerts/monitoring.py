"""Health monitoring of key persons (重点人群健康监测): who is being monitored on a day in a community,
and who has a temperature reading that day from any of its gates.

Key persons come from the gates' records (an arrival with a key-group flag, or from a listed medium/
high-risk area: sync.common.key_persons.key_categories) and from the home-isolation list. Each is monitored
from the day of arrival (or the isolation's start) for the period of its category (server setting
monitoring_days, default 14; for home isolation: through its end date). A person is known across the
community's gates by the roster uuid the bundle gives every gate (a visitor: by the gate's own uuid).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from sync.common.daily_report import day_window
from sync.common.key_persons import KeyCategory, key_categories
from sync.common.masking import mask_name
from sync.server.alerts import alerts
from sync.server.alerts.tables import home_isolation
from sync.server.devices.tables import devices
from sync.server.records.tables import records

DEFAULT_DAYS = 14
NAMESPACE = uuid.UUID("9a8f5a52-3a58-4d7e-9d39-0f3e1c1b6a11")  # server-raised alert ids: uuid5(NAMESPACE, ...)


@dataclass
class Monitored:
    person: str  # roster uuid, the gate's person uuid, or isolation:<id>
    name_masked: str
    id_masked: str
    categories: set[str]
    since: str  # local date monitoring began
    until: str  # last local date of monitoring
    readings: list[float] = field(default_factory=list)
    fever: bool = False

    def public(self) -> dict[str, Any]:
        return {"person": self.person, "name_masked": self.name_masked, "id_masked": self.id_masked,
                "categories": sorted(self.categories), "since": self.since, "until": self.until,
                "has_reading": bool(self.readings) or self.fever, "readings": self.readings, "fever": self.fever}


def community_devices(conn: Connection, community: str) -> list[str]:
    from sync.server.console.scope import device_community_map

    mapped = device_community_map(conn)
    return [d for d, c in conn.execute(select(devices.c.device_id, devices.c.community)) if mapped.get(d, c) == community]


def period_of(cats: set[str], periods: dict[str, int]) -> int:
    return max((periods.get(c, DEFAULT_DAYS) for c in cats), default=DEFAULT_DAYS)


def _local(created_at: str, tz: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(created_at).astimezone(ZoneInfo(tz)).date()


PERSON_MAX = 64  # a person key longer than this is not a kiosk's (uuids); such a record is not monitored


@dataclass(frozen=True)
class Sighting:
    """What monitoring reads of one gate entry or visitor registration: the console keeps these in
    console_key_entries (sync/server/console/key_entries.py), so a page need not parse record bodies."""

    created_at: str
    kind: str  # gate_entry | visitor
    person: str
    categories: frozenset[str]  # an arrival's key categories (an entry "in"); empty for anything else
    id_masked: str
    name_masked: str  # a visitor registration's
    readings: tuple[float, ...]  # valid readings (normal or fever) of an entry
    fever: bool  # an entry with a confirmed fever


def sighting(kind: str, created_at: str, body: Any) -> Sighting | None:
    """The monitoring facts of a record's parsed body; None when it cannot matter to monitoring (no
    person, or an entry that is neither a key arrival nor carries a reading or a fever). Pure."""
    person = body.get("person_uuid") if isinstance(body, dict) else None
    if not person or len(str(person)) > PERSON_MAX:
        return None
    person = str(person)
    if kind == "visitor":
        return Sighting(created_at, kind, person, frozenset(), str(body.get("id_masked") or ""), str(body.get("name_masked") or ""), (), False)
    if kind != "gate_entry":
        return None
    cats: frozenset[str] = frozenset()
    if body.get("direction") == "in":
        groups = body.get("key_groups") or []
        cats = frozenset(str(c) for c in key_categories(groups if isinstance(groups, list) else [], body.get("risk_level")))
    temp = body.get("temperature") or {}
    temp = temp if isinstance(temp, dict) else {}
    listed = temp.get("readings") or []
    values = [r.get("value_c") for r in listed if isinstance(r, dict) and r.get("classification") in ("normal", "fever")] if isinstance(listed, list) else []
    readings = tuple(v for v in values if isinstance(v, int | float))
    fever = temp.get("verdict") == "fever-confirmed"
    if not (cats or readings or fever):
        return None
    return Sighting(created_at, kind, person, cats, str(body.get("id_masked") or ""), "", readings, fever)


def window(day: date, tz: str, periods: dict[str, int]) -> tuple[str, str, str]:
    """(start, day_start, day_end): records from `start` can still be monitored on `day`."""
    longest = max([DEFAULT_DAYS, *periods.values()])
    return day_window(day - timedelta(days=longest - 1), tz)[0], *day_window(day, tz)


def monitored_on(conn: Connection, community: str, day: date, tz: str, periods: dict[str, int]) -> list[Monitored]:
    """Every key person monitored on `day`, with that day's readings from the community's gates, read
    from the records' JSON bodies: the reference. The console, `kiosk-central monitoring` and the
    automatic check read the same facts from console_key_entries (key_entries.monitored); tests hold
    the two equal (tests/console/test_console_key_entries.py, tests/server/test_monitoring_cli_reference.py)."""
    ids = community_devices(conn, community)
    start, day_start, day_end = window(day, tz, periods)
    rows: Any = conn.execute(select(records.c.created_at, records.c.body, records.c.kind).where(
        records.c.kind.in_(("gate_entry", "visitor")), records.c.device_id.in_(ids), records.c.created_at >= start,
        records.c.created_at < day_end).order_by(records.c.created_at, records.c.uuid)) if ids else []
    seen = []
    for created_at, text, kind in rows:
        try:
            body = json.loads(text)
        except ValueError:
            continue
        if (s := sighting(kind, created_at, body)) is not None:
            seen.append(s)
    people = key_people(conn, community, day, tz, periods, seen)
    add_readings(people, (s for s in seen if s.kind == "gate_entry" and s.created_at >= day_start))
    return ordered(people)


def key_people(conn: Connection, community: str, day: date, tz: str, periods: dict[str, int], seen: Iterable[Sighting]) -> dict[str, Monitored]:
    """Who is monitored on `day`: key arrivals whose period reaches it (`seen` in time order: the
    first such arrival starts the period) and the community's home isolations; visitors' registrations
    name them (the latest wins). Readings are added by add_readings."""
    people: dict[str, Monitored] = {}
    names: dict[str, tuple[str, str]] = {}  # person -> masked name and ID, from the visitor registrations
    for s in seen:
        if s.kind == "visitor":
            names[s.person] = (s.name_masked, s.id_masked)
            continue
        if not s.categories:
            continue
        cats = set(s.categories)
        arrived = _local(s.created_at, tz)
        until = arrived + timedelta(days=period_of(cats, periods) - 1)
        if until < day:
            continue
        held = people.get(s.person)
        if held is None:
            people[s.person] = Monitored(s.person, "", s.id_masked, cats, arrived.isoformat(), until.isoformat())
        else:
            held.categories |= cats
            held.until = max(held.until, until.isoformat())
    for r in isolated_on(conn, community, day):
        key = isolation_key(r)
        held = people.get(key)
        if held is None:
            people[key] = held = Monitored(key, "", "", set(), r.start_date, r.end_date)
        held.categories.add(str(KeyCategory.HOME_ISOLATION))
        held.name_masked = held.name_masked or mask_name(r.name)
        held.until = max(held.until, r.end_date)
    for person, (name_masked, id_masked) in names.items():
        if person in people:
            people[person].name_masked = people[person].name_masked or name_masked
            people[person].id_masked = people[person].id_masked or id_masked
    return people


def isolated_on(conn: Connection, community: str, day: date) -> list[Any]:
    """The community's home isolations in force on `day` (not ended early)."""
    h = home_isolation.c
    return list(conn.execute(select(home_isolation).where(h.community == community, h.ended_at.is_(None), h.start_date <= day.isoformat(),
                                                          h.end_date >= day.isoformat())))


def isolation_key(r: Any) -> str:
    """The person of an isolation: its roster entry, else the isolation itself."""
    return str(r.roster_uuid or f"isolation:{r.id}")


def add_readings(people: dict[str, Monitored], todays: Iterable[Sighting]) -> None:
    """The day's entries (in time order) give the monitored their readings and fevers."""
    for s in todays:
        held = people.get(s.person)
        if held is not None:
            held.readings.extend(s.readings)
            held.fever = held.fever or s.fever


def ordered(people: dict[str, Monitored]) -> list[Monitored]:
    return sorted(people.values(), key=lambda m: (m.since, m.person))


def raise_alerts(conn: Connection, community: str, day: date, people: list[Monitored], *, day_over: bool, notify: bool) -> int:
    """A fever of a key person is an alert; so is a day without a reading, once the day is over.
    Once per person, day and kind (the alert's id is derived from them)."""
    raised = 0
    for m in people:
        who = f"{m.name_masked or ''} {m.id_masked or ''} ({', '.join(sorted(m.categories))})".strip()
        for kind, hit, message in (
            ("monitoring-fever", m.fever, f"key person with a confirmed fever on {day}: {who}"),
            ("monitoring-missed", day_over and not (m.readings or m.fever), f"key person without a temperature reading on {day}: {who}"),
        ):
            if hit:
                alert_id = str(uuid.uuid5(NAMESPACE, f"{community}|{day}|{m.person}|{kind}"))
                raised += alerts.raise_server_alert(conn, alert_id, community, kind, message, day_window(day, "UTC")[1], notify)
    return raised
