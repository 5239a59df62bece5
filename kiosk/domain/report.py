"""Daily report arithmetic (日报告 / 零报告). Pure: grouped counts in, a report out.

The store groups the day's gate entries by the columns below (one cheap SQL query over
an index); this module adds them up so the rules of what counts as abnormal live in
one tested place. A day with nothing abnormal gives a zero report (零报告).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

# Columns the store groups by, in this order, followed by the count.
GROUP_COLUMNS = (
    "direction",
    "person_kind",
    "code_colour",
    "code_status",
    "outcome",
    "fever_confirmed",
    "overridden",
)


@dataclass(frozen=True)
class DailyReport:
    day: str  # YYYY-MM-DD in the kiosk's time zone
    entries_in: int = 0
    entries_out: int = 0
    residents: int = 0
    visitors: int = 0
    staff: int = 0
    fevers_confirmed: int = 0
    codes_green: int = 0
    codes_yellow: int = 0
    codes_red: int = 0
    codes_none: int = 0
    codes_unverified: int = 0
    key_group_people: int = 0
    denials: int = 0
    reviews: int = 0
    overrides: int = 0

    @property
    def abnormal(self) -> bool:
        return any(
            (self.fevers_confirmed, self.codes_red, self.codes_yellow, self.key_group_people, self.denials, self.overrides)
        )

    @property
    def kind(self) -> str:
        """'zero' (零报告) on a day with nothing abnormal, else 'daily'."""
        return "daily" if self.abnormal else "zero"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind}


def day_window(day: dt.date, tz: str) -> tuple[str, str]:
    """[start, end) of a local calendar day as UTC ISO strings, comparable with created_at."""
    zone = zoneinfo.ZoneInfo(tz)
    start = dt.datetime.combine(day, dt.time(0), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    utc = dt.UTC
    return (
        start.astimezone(utc).isoformat(timespec="microseconds"),
        end.astimezone(utc).isoformat(timespec="microseconds"),
    )


def local_day(at: dt.datetime, tz: str) -> dt.date:
    return at.astimezone(zoneinfo.ZoneInfo(tz)).date()


def build_report(day: dt.date, groups: Iterable[Mapping[str, Any]], key_group_people: int = 0) -> DailyReport:
    """Add up grouped rows (GROUP_COLUMNS + 'n'). An entry counts once per category."""
    c: dict[str, int] = dict.fromkeys(DailyReport.__dataclass_fields__, 0)
    for g in groups:
        n = int(g["n"])
        c["entries_in" if g["direction"] == "in" else "entries_out"] += n
        kind = {"resident": "residents", "visitor": "visitors", "staff": "staff"}.get(str(g["person_kind"]))
        if kind:
            c[kind] += n
        if g["direction"] == "in":
            colour = str(g["code_colour"] or "none")
            c[f"codes_{colour}" if f"codes_{colour}" in c else "codes_none"] += n
            if g["code_status"] == "unverified":
                c["codes_unverified"] += n
        c["fevers_confirmed"] += n if g["fever_confirmed"] else 0
        c["denials"] += n if g["outcome"] == "deny" else 0
        c["reviews"] += n if g["outcome"] == "review" else 0
        c["overrides"] += n if g["overridden"] else 0
    c["key_group_people"] = key_group_people
    c.pop("day")
    return DailyReport(day=day.isoformat(), **c)
