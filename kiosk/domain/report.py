"""Daily report arithmetic (日报告 / 零报告). Pure: grouped counts in, a report out.

The store groups the day's gate entries by the columns below (one cheap SQL query over
an index); this module adds them up so the rules of what counts as abnormal live in
one tested place. A day is a zero report (零报告) only when nothing at all is open:
no key person, no fever, no red or yellow code, no denial, no review left open and no
override (不漏报、不瞒报). An override is counted as an override AND under the outcome
the policy gave (a denied person let through is still a denial on the report).

The report's shape (DailyReport), its day window and the key-person categories are read by
the central server too, so they live in the shared package (sync.common) and are re-exported
here for the kiosk's layers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sync.common.daily_report import DailyReport, day_window
from sync.common.key_persons import KEY_RISK_LEVELS, KeyCategory, key_categories

__all__ = [
    "GROUP_COLUMNS", "KEY_RISK_LEVELS", "DailyReport", "KeyCategory", "KeyPerson", "build_report", "count_key_people",
    "day_window", "key_categories", "local_day",
]

# Columns the store groups by, in this order, followed by the count. `identified` is 1
# when the entry names a person (roster resident, registered visitor), else 0.
GROUP_COLUMNS = (
    "direction",
    "person_kind",
    "code_colour",
    "code_status",
    "outcome",
    "original_outcome",
    "fever_confirmed",
    "overridden",
    "identified",
)


@dataclass(frozen=True)
class KeyPerson:
    """One key person seen on the day, as the report shows them (masked)."""

    person: str  # a stable key for the day: the person's uuid, or the entry's when unknown
    name_masked: str
    id_masked: str
    categories: tuple[str, ...]
    first_at: str  # UTC ISO of the first arrival that day


def count_key_people(people: Iterable[KeyPerson]) -> dict[str, int]:
    """Distinct people per category (a person in two categories counts in both)."""
    counts = {str(c): 0 for c in KeyCategory}
    for p in people:
        for c in p.categories:
            counts[c] = counts.get(c, 0) + 1
    return counts


def local_day(at: dt.datetime, tz: str) -> dt.date:
    return at.astimezone(zoneinfo.ZoneInfo(tz)).date()


def build_report(day: dt.date, groups: Iterable[Mapping[str, Any]], key_people: Iterable[KeyPerson] = ()) -> DailyReport:
    """Add up grouped rows (GROUP_COLUMNS + 'n'). An entry counts once per category."""
    c: dict[str, Any] = {k: 0 for k in DailyReport.__dataclass_fields__ if k not in ("day", "key_persons")}
    for g in groups:
        n = int(g["n"])
        c["entries_in" if g["direction"] == "in" else "entries_out"] += n
        identified = bool(g.get("identified", 1))
        kind = {"resident": "residents", "visitor": "visitors", "staff": "staff"}.get(str(g["person_kind"]))
        if not identified and kind == "residents":
            c["unidentified"] += n  # a "resident" nobody could match on the roster is not counted as one
        elif kind:
            c[kind] += n
        if g["direction"] == "in":
            colour = str(g["code_colour"] or "none")
            c[f"codes_{colour}" if f"codes_{colour}" in c else "codes_none"] += n
            if g["code_status"] == "unverified":
                c["codes_unverified"] += n
        c["fevers_confirmed"] += n if g["fever_confirmed"] else 0
        decided = str(g.get("original_outcome") or g["outcome"]) if g["overridden"] else str(g["outcome"])
        c["denials"] += n if decided == "deny" else 0
        c["reviews"] += n if decided == "review" else 0
        c["reviews_open"] += n if g["outcome"] == "review" else 0
        if g["overridden"]:
            c["overrides"] += n
            c["overrides_of_denials"] += n if decided == "deny" else 0
            c["overrides_of_reviews"] += n if decided == "review" else 0
    people = list(key_people)
    c["key_group_people"] = len({p.person for p in people})
    return DailyReport(day=day.isoformat(), key_persons=count_key_people(people), **c)
