"""Report arithmetic: grouped counts in, a daily or zero report out; local-day windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kiosk.domain.report import KeyCategory, KeyPerson, build_report, day_window, key_categories, local_day

DAY = dt.date(2026, 11, 28)


def g(n: int, direction: str = "in", kind: str = "resident", colour: str = "green", status: str = "valid",
      outcome: str = "pass", fever: int = 0, overridden: int = 0, original: str | None = None,
      identified: int = 1) -> dict[str, Any]:
    return {"direction": direction, "person_kind": kind, "code_colour": colour, "code_status": status, "outcome": outcome,
            "original_outcome": original, "fever_confirmed": fever, "overridden": overridden, "identified": identified, "n": n}


def kp(person: str, *cats: str) -> KeyPerson:
    return KeyPerson(person, "王*", "110***********002X", tuple(cats), "2026-11-28T01:00:00.000000+00:00")


@pytest.mark.parametrize(
    ("groups", "key_people", "kind", "expect"),
    [
        ([], [], "zero", {"entries_in": 0}),
        ([g(10), g(4, direction="out", colour="none")], [], "zero", {"entries_in": 10, "entries_out": 4, "codes_green": 10, "codes_none": 0}),
        ([g(3, status="unverified")], [], "zero", {"codes_unverified": 3, "codes_green": 3}),
        ([g(1, colour="yellow", outcome="review")], [], "daily", {"codes_yellow": 1, "reviews": 1, "reviews_open": 1}),
        ([g(2, colour="red", outcome="deny", kind="visitor")], [], "daily", {"codes_red": 2, "denials": 2, "visitors": 2}),
        # an override keeps the policy's outcome on the report: a denial let through is a denial AND an override
        ([g(1, fever=1, outcome="pass", overridden=1, original="deny")], [], "daily",
         {"fevers_confirmed": 1, "overrides": 1, "denials": 1, "overrides_of_denials": 1}),
        ([g(1, colour="none", status="unverified", outcome="pass", overridden=1, original="review")], [], "daily",
         {"overrides": 1, "reviews": 1, "reviews_open": 0, "overrides_of_reviews": 1}),
        ([g(5)], [kp("a", "inbound"), kp("b", "inbound", "risk-area")], "daily",
         {"key_group_people": 2, "key_persons": {"risk-area": 1, "inbound": 2, "cold-chain": 0, "released": 0, "home-isolation": 0}}),
        # one person seen twice counts once
        ([g(2)], [kp("a", "cold-chain"), kp("a", "cold-chain")], "daily", {"key_group_people": 1}),
        ([g(1, colour="purple")], [], "zero", {"codes_none": 1}),  # an unknown colour is not lost
        # a review nobody decided keeps the day off the zero report
        ([g(2, kind="staff", colour="none", status="malformed", outcome="review")], [], "daily",
         {"staff": 2, "codes_none": 2, "reviews": 2, "reviews_open": 2}),
        # a "resident" nobody matched on the roster is not counted as a resident
        ([g(3, identified=0), g(2)], [], "zero", {"residents": 2, "unidentified": 3}),
        ([g(1, kind="visitor", identified=0)], [], "zero", {"visitors": 1, "unidentified": 0}),
    ],
)
def test_build_report(groups: list[dict[str, Any]], key_people: list[KeyPerson], kind: str, expect: dict[str, Any]) -> None:
    report = build_report(DAY, groups, key_people)
    assert report.kind == kind and report.day == "2026-11-28"
    for key, value in expect.items():
        assert getattr(report, key) == value, key
    assert report.entries_in + report.entries_out == sum(x["n"] for x in groups)
    assert report.as_dict()["kind"] == kind


@pytest.mark.parametrize(
    ("groups", "risk", "expect"),
    [
        ([], None, set()),
        ([], "low", set()),  # a low-risk listing alone does not make a key person
        ([], "medium", {KeyCategory.RISK_AREA}),
        ([], "high", {KeyCategory.RISK_AREA}),
        (["risk-area-14d"], None, {KeyCategory.RISK_AREA}),
        (["inbound", "cold-chain"], "medium", {KeyCategory.INBOUND, KeyCategory.COLD_CHAIN, KeyCategory.RISK_AREA}),
        (["released-or-recovered"], None, {KeyCategory.RELEASED}),
        (["home-isolation"], None, {KeyCategory.HOME_ISOLATION}),
        (["something-else"], None, set()),
    ],
)
def test_key_categories(groups: list[str], risk: str | None, expect: set[KeyCategory]) -> None:
    assert key_categories(groups, risk) == expect


def test_day_window_in_shanghai() -> None:
    assert day_window(DAY, "Asia/Shanghai") == ("2026-11-27T16:00:00.000000+00:00", "2026-11-28T16:00:00.000000+00:00")
    assert local_day(dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.UTC), "Asia/Shanghai") == DAY


def test_day_window_across_a_dst_change() -> None:
    start, end = day_window(dt.date(2026, 3, 8), "America/New_York")  # a 23-hour day
    assert (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)) == dt.timedelta(hours=23)
