"""Report arithmetic: grouped counts in, a daily or zero report out; local-day windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk.domain.report import build_report, day_window, local_day

DAY = dt.date(2026, 11, 28)


def g(n: int, direction: str = "in", kind: str = "resident", colour: str = "green", status: str = "valid",
      outcome: str = "pass", fever: int = 0, overridden: int = 0) -> dict[str, Any]:
    return {"direction": direction, "person_kind": kind, "code_colour": colour, "code_status": status, "outcome": outcome,
            "fever_confirmed": fever, "overridden": overridden, "n": n}


@pytest.mark.parametrize(
    ("groups", "key_people", "kind", "expect"),
    [
        ([], 0, "zero", {"entries_in": 0}),
        ([g(10), g(4, direction="out", colour="none")], 0, "zero", {"entries_in": 10, "entries_out": 4, "codes_green": 10, "codes_none": 0}),
        ([g(3, status="unverified")], 0, "zero", {"codes_unverified": 3, "codes_green": 3}),
        ([g(1, colour="yellow", outcome="review")], 0, "daily", {"codes_yellow": 1, "reviews": 1}),
        ([g(2, colour="red", outcome="deny", kind="visitor")], 0, "daily", {"codes_red": 2, "denials": 2, "visitors": 2}),
        ([g(1, fever=1, outcome="pass", overridden=1)], 0, "daily", {"fevers_confirmed": 1, "overrides": 1, "denials": 0}),
        ([g(5)], 2, "daily", {"key_group_people": 2}),
        ([g(1, colour="purple")], 0, "zero", {"codes_none": 1}),  # an unknown colour is not lost
        ([g(2, kind="staff", colour="none", status="malformed", outcome="review")], 0, "zero", {"staff": 2, "codes_none": 2, "reviews": 2}),
    ],
)
def test_build_report(groups: list[dict[str, Any]], key_people: int, kind: str, expect: dict[str, int]) -> None:
    report = build_report(DAY, groups, key_people)
    assert report.kind == kind and report.day == "2026-11-28"
    for key, value in expect.items():
        assert getattr(report, key) == value, key
    assert report.entries_in + report.entries_out == sum(x["n"] for x in groups)
    assert report.as_dict()["kind"] == kind


def test_day_window_in_shanghai() -> None:
    assert day_window(DAY, "Asia/Shanghai") == ("2026-11-27T16:00:00.000000+00:00", "2026-11-28T16:00:00.000000+00:00")
    assert local_day(dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.UTC), "Asia/Shanghai") == DAY


def test_day_window_across_a_dst_change() -> None:
    start, end = day_window(dt.date(2026, 3, 8), "America/New_York")  # a 23-hour day
    assert (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)) == dt.timedelta(hours=23)
