"""Daily report (日报告) and zero report (零报告): computed, stored and queued like any record.

The report for a local day is filed once the configured hour has passed; a day the
kiosk was switched off at that hour is filed the next morning (nothing is missed).
Filing again (a correction) appends a new record; the latest one counts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.masking import mask_name
from kiosk.domain.report import (
    GROUP_COLUMNS,
    KEY_RISK_LEVELS,
    DailyReport,
    KeyPerson,
    build_report,
    day_window,
    key_categories,
    local_day,
)
from kiosk.store.db import Store
from sync.protocol.clock import Clock, utc_iso, utc_now

_EXPR = {"identified": "(person_uuid is not null) as identified"}
_GROUP_SQL = (
    f"select {', '.join(_EXPR.get(c, c) for c in GROUP_COLUMNS)}, count(*) as n from gate_entries"  # noqa: S608 (fixed columns)
    f" where created_at >= ? and created_at < ? group by {', '.join(GROUP_COLUMNS)}"
)
_LEVELS = ", ".join(f"'{level}'" for level in sorted(KEY_RISK_LEVELS))
# Arrivals that make a key person: a gate entry in with a key-group flag or from a listed
# risk area, and a visitor registered from one (even if the pass was then refused).
_KEY_SQL = (
    "select coalesce(g.person_uuid, g.record_uuid), g.created_at, json_extract(j.body, '$.key_groups'), g.risk_level,"  # noqa: S608
    " p.name, coalesce(p.id_masked, json_extract(j.body, '$.id_masked'))"
    " from gate_entries g join journal j on j.uuid = g.record_uuid left join people p on p.uuid = g.person_uuid"
    f" where g.created_at >= ? and g.created_at < ? and g.direction = 'in' and (g.key_group = 1 or g.risk_level in ({_LEVELS}))"
    " union all"
    " select v.person_uuid, v.created_at, v.key_groups, v.risk_level, p.name, p.id_masked"
    " from visitor_registrations v left join people p on p.uuid = v.person_uuid"
    f" where v.created_at >= ? and v.created_at < ? and (v.key_groups != '[]' or v.risk_level in ({_LEVELS}))"
)


@dataclass(frozen=True)
class FiledReport:
    report: DailyReport
    record_uuid: str
    created_at: str


class Reports:
    def __init__(self, store: Store, cfg: Mapping[str, Any], clock: Clock = utc_now) -> None:
        self.store, self.cfg, self.clock = store, cfg, clock
        self.tz: str = cfg["kiosk.timezone"]

    def compute(self, day: dt.date) -> DailyReport:
        start, end = day_window(day, self.tz)
        db = self.store.db
        cur = db.execute(_GROUP_SQL, [start, end])
        names = [d[0] for d in cur.description]
        groups = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return build_report(day, groups, self.key_people(day))

    def key_people(self, day: dt.date) -> list[KeyPerson]:
        """Each key person who arrived on the day, once, with every category they fall in (masked)."""
        start, end = day_window(day, self.tz)
        seen: dict[str, tuple[set[str], str, str, str]] = {}
        for key, at, groups, risk, name, id_masked in self.store.db.execute(_KEY_SQL, [start, end, start, end]):
            cats = {str(c) for c in key_categories(json.loads(groups or "[]"), risk)}
            if not cats:
                continue
            old = seen.get(key)
            if old is None:
                seen[key] = (cats, at, mask_name(name) if name else "", id_masked or "")
            else:
                seen[key] = (old[0] | cats, min(old[1], at), old[2] or (mask_name(name) if name else ""), old[3] or id_masked or "")
        people = [KeyPerson(k, v[2], v[3], tuple(sorted(v[0])), v[1]) for k, v in seen.items()]
        return sorted(people, key=lambda p: p.first_at)

    def _visitors(self, day: dt.date) -> list[dict[str, Any]]:
        start, end = day_window(day, self.tz)
        rows = self.store.db.execute(
            "select p.name, v.origin_name, v.risk_level, v.host_building, v.key_groups from visitor_registrations v"
            " join people p on p.uuid = v.person_uuid where v.created_at >= ? and v.created_at < ? order by v.created_at",
            [start, end],
        ).fetchall()
        return [{"name_masked": mask_name(r[0]), "origin": r[1], "risk_level": r[2], "host_building": r[3],
                 "key_groups": json.loads(r[4])} for r in rows]

    def file(self, day: dt.date) -> FiledReport:
        report = self.compute(day)
        body: dict[str, Any] = {
            **report.as_dict(),
            "community": self.cfg["kiosk.community_name"],
            "gate": self.cfg["kiosk.gate_name"],
            "timezone": self.tz,
        }
        body["key_people"] = [{"name_masked": p.name_masked, "id_masked": p.id_masked, "categories": list(p.categories),
                               "first_at": p.first_at} for p in self.key_people(day)]
        if self.cfg["report.include_visitors_list"]:
            body["visitors"] = self._visitors(day)
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            rec = w.append("daily_report", body, created_at=now)
            w.db.execute(
                "insert into daily_reports (record_uuid, day, kind, created_at, body) values (?,?,?,?,?)",
                [rec.uuid, report.day, report.kind, now, rec.body],
            )
        return FiledReport(report, rec.uuid, now)

    def filed(self, day: dt.date) -> list[str]:
        """Record uuids of the reports filed for a day, oldest first."""
        return [r[0] for r in self.store.db.execute(
            "select record_uuid from daily_reports where day = ? order by created_at", [day.isoformat()])]

    def due(self) -> list[dt.date]:
        """Days whose report should be filed now: yesterday if missed, today after the hour."""
        now = self.clock()
        today = local_day(now, self.tz)
        days = []
        yesterday = today - dt.timedelta(days=1)
        start_today = day_window(today, self.tz)[0]
        ran_before = self.store.db.execute("select 1 from journal where created_at < ? limit 1", [start_today]).fetchone()
        if ran_before and not self.filed(yesterday):
            days.append(yesterday)
        local_hour = now.astimezone(dt.UTC).astimezone(_zone(self.tz)).hour
        if local_hour >= self.cfg["report.hour"] and not self.filed(today):
            days.append(today)
        return days

    def file_due(self) -> list[FiledReport]:
        return [self.file(day) for day in self.due()]


def _zone(tz: str) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(tz)
