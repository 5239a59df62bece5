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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from sync.common.daily_report import day_window
from sync.common.key_persons import KeyCategory, key_categories
from sync.common.masking import mask_name
from sync.server import alerts
from sync.server.tables import devices, home_isolation, records

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


def _period(cats: set[str], periods: dict[str, int]) -> int:
    return max((periods.get(c, DEFAULT_DAYS) for c in cats), default=DEFAULT_DAYS)


def _local(created_at: str, tz: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(created_at).astimezone(ZoneInfo(tz)).date()


def monitored_on(conn: Connection, community: str, day: date, tz: str, periods: dict[str, int]) -> list[Monitored]:
    """Every key person monitored on `day`, with that day's readings from the community's gates."""
    ids = community_devices(conn, community)
    longest = max([DEFAULT_DAYS, *periods.values()])
    start = day_window(day - timedelta(days=longest - 1), tz)[0]
    day_start, day_end = day_window(day, tz)
    people: dict[str, Monitored] = {}
    todays: list[tuple[str, dict[str, Any]]] = []
    names: dict[str, tuple[str, str]] = {}  # person -> masked name and ID, from the visitor registrations
    rows: Any = conn.execute(select(records.c.created_at, records.c.body, records.c.kind).where(
        records.c.kind.in_(("gate_entry", "visitor")), records.c.device_id.in_(ids), records.c.created_at >= start,
        records.c.created_at < day_end).order_by(records.c.created_at)) if ids else []
    for created_at, text, kind in rows:
        try:
            body = json.loads(text)
        except ValueError:
            continue
        person = body.get("person_uuid") if isinstance(body, dict) else None
        if not person:
            continue
        if kind == "visitor":
            names[person] = (str(body.get("name_masked") or ""), str(body.get("id_masked") or ""))
            continue
        if created_at >= day_start:
            todays.append((person, body))
        if body.get("direction") != "in":
            continue
        cats = {str(c) for c in key_categories(body.get("key_groups") or [], body.get("risk_level"))}
        if not cats:
            continue
        arrived = _local(created_at, tz)
        until = arrived + timedelta(days=_period(cats, periods) - 1)
        if until < day:
            continue
        held = people.get(person)
        if held is None:
            people[person] = Monitored(person, "", str(body.get("id_masked") or ""), cats, arrived.isoformat(), until.isoformat())
        else:
            held.categories |= cats
            held.until = max(held.until, until.isoformat())
    for r in conn.execute(select(home_isolation).where(home_isolation.c.community == community, home_isolation.c.ended_at.is_(None),
                                                       home_isolation.c.start_date <= day.isoformat(), home_isolation.c.end_date >= day.isoformat())):
        key = r.roster_uuid or f"isolation:{r.id}"
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
    for person, body in todays:
        held = people.get(person)
        if held is None:
            continue
        temp = body.get("temperature") or {}
        values = [r.get("value_c") for r in temp.get("readings") or [] if r.get("classification") in ("normal", "fever")]
        held.readings.extend(v for v in values if isinstance(v, int | float))
        held.fever = held.fever or temp.get("verdict") == "fever-confirmed"
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
