"""Daily report arithmetic (日报告 / 零报告). Pure: grouped counts in, a report out.

The store groups the day's gate entries by the columns below (one cheap SQL query over
an index); this module adds them up so the rules of what counts as abnormal live in
one tested place. A day is a zero report (零报告) only when nothing at all is open:
no key person, no fever, no red or yellow code, no denial, no review left open and no
override (不漏报、不瞒报). An override is counted as an override AND under the outcome
the policy gave (a denied person let through is still a denial on the report).
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk.domain.policy import KeyGroup

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


class KeyCategory(enum.StrEnum):
    """Key-person categories of the notice, in the order the report lists them."""

    RISK_AREA = "risk-area"  # arrived from a listed medium/high-risk area (or within 14 days of one)
    INBOUND = "inbound"  # entered from abroad
    COLD_CHAIN = "cold-chain"  # works with imported cold-chain goods
    RELEASED = "released"  # released from medical observation
    HOME_ISOLATION = "home-isolation"  # under home isolation (居家隔离)


# Person key-group flags (KeyGroup values, and the home-isolation flag) → report category.
_GROUP_CATEGORY = {
    KeyGroup.RISK_AREA_14D.value: KeyCategory.RISK_AREA,
    KeyGroup.INBOUND.value: KeyCategory.INBOUND,
    KeyGroup.COLD_CHAIN.value: KeyCategory.COLD_CHAIN,
    KeyGroup.RELEASED.value: KeyCategory.RELEASED,
    "home-isolation": KeyCategory.HOME_ISOLATION,
}
# A listed area at these levels makes an arrival a key person; 'low' areas do not.
KEY_RISK_LEVELS = frozenset({"medium", "high"})


def key_categories(key_groups: Iterable[str], risk_level: str | None) -> frozenset[KeyCategory]:
    """The categories one arrival falls in (empty: not a key person)."""
    cats = {_GROUP_CATEGORY[g] for g in key_groups if g in _GROUP_CATEGORY}
    if risk_level in KEY_RISK_LEVELS:
        cats.add(KeyCategory.RISK_AREA)
    return frozenset(cats)


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


@dataclass(frozen=True)
class DailyReport:
    day: str  # YYYY-MM-DD in the kiosk's time zone
    entries_in: int = 0
    entries_out: int = 0
    residents: int = 0  # identified residents only (on the roster)
    visitors: int = 0
    staff: int = 0
    unidentified: int = 0  # "residents" that name nobody (an opaque code with no roster match)
    fevers_confirmed: int = 0
    codes_green: int = 0
    codes_yellow: int = 0
    codes_red: int = 0
    codes_none: int = 0
    codes_unverified: int = 0
    key_group_people: int = 0  # distinct key persons, all categories
    denials: int = 0  # the policy's DENY, overridden or not
    reviews: int = 0  # the policy's REVIEW, overridden or not
    reviews_open: int = 0  # REVIEW with no decision after it
    overrides: int = 0
    overrides_of_denials: int = 0
    overrides_of_reviews: int = 0
    key_persons: dict[str, int] = field(default_factory=lambda: {str(c): 0 for c in KeyCategory})

    @property
    def abnormal(self) -> bool:
        return any((self.fevers_confirmed, self.codes_red, self.codes_yellow, self.key_group_people, self.denials,
                    self.reviews_open, self.overrides))

    @property
    def kind(self) -> str:
        """'zero' (零报告) only when nothing at all is open, else 'daily'."""
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
