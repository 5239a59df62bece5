"""The console's pure rules and its catalogue, without a server."""

from __future__ import annotations

import json

import pytest

from sync.server.console.alerts import alert_of
from sync.server.console.i18n import extract_messages, read_catalogue, translations
from sync.server.console.routes_people import parse_roster_csv
from sync.server.console.svg import hourly_chart

HEADER = "name,id_number,phone,building,unit,room\n"


@pytest.mark.parametrize(("kind", "body", "expected"), [
    ("alert", {"kind": "fever-confirmed", "message": "38.5"}, ("fever-confirmed", "38.5")),
    ("alert", {"message": "no kind"}, ("alert", "no kind")),
    ("gate_entry", {"colour": "red", "direction": "in"}, "red-code"),
    ("gate_entry", {"colour": "green"}, None),
    ("gate_entry", {"colour": "yellow"}, None),
    ("temperature", {"colour": "red"}, None),
    ("alert", "not an object", None),
])
def test_which_records_raise_an_alert(kind: str, body: object, expected: object) -> None:
    got = alert_of(kind, json.dumps(body))
    if isinstance(expected, str):
        assert got is not None and got[0] == expected
    else:
        assert got == expected
    assert alert_of("alert", "{broken") is None


@pytest.mark.parametrize(("text", "people", "problem"), [
    (HEADER + "张三,,13800138000,1,1,101\n", 1, None),
    (HEADER + "张三,,13800138000,1,1,101\n,,,,,\n", 1, "line 3: name"),
    (HEADER + "张三,,13800138000,1,1,101\n李四,110105194912310021,,1,1,102\n", 1, "line 3: id_number"),
    ("who,phone\nx,1\n", 0, "missing: name"),
    ("name,colour\nx,red\n", 0, "unknown column 'colour'"),
    (HEADER, 0, "no rows"),
])
def test_roster_csv_rows_are_checked_one_by_one(text: str, people: int, problem: str | None) -> None:
    got, problems = parse_roster_csv(text.encode("utf-8"))
    assert len(got) == people
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


def test_a_file_that_is_not_utf8_is_named_so() -> None:
    _, problems = parse_roster_csv(HEADER.encode() + "张三".encode("gbk") + b",,,,,\n")
    assert problems and "not UTF-8" in problems[0]


def test_every_console_string_has_a_chinese_translation() -> None:
    cat = read_catalogue("zh_CN")
    missing = [m.id for m in extract_messages() if m.id and not ((held := cat.get(m.id)) and held.string)]
    assert not missing, f"untranslated (python -m sync.server.console.i18n update): {missing}"
    assert translations("zh_CN").gettext("Overview") == "总览"


def test_the_chart_draws_one_bar_per_hour_and_direction() -> None:
    svg = str(hourly_chart([0] * 8 + [5] + [0] * 15, [1] * 24, "t", "in", "out"))
    assert svg.count('class="bar-in"') == 24 and svg.count('class="bar-out"') == 24
    assert 'data-hour="8" data-value="5"' in svg
    assert "<script" not in svg
