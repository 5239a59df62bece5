"""The daily report (日报告 / 零报告) as both ends read it: its counts and the day it covers.

The kiosk adds up its gate entries into a DailyReport (kiosk.domain.report.build_report) and
uploads it; the central server stores each gate's report and sums them per community. A day
is a zero report (零报告) only when nothing at all is open: no key person, no fever, no red or
yellow code, no denial, no review left open and no override (不漏报、不瞒报).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import asdict, dataclass, field
from typing import Any

from sync.common.key_persons import KeyCategory


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
