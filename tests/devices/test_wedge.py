"""Keyboard-wedge scanner logic: scans told apart from a guard typing (table tests)."""

from __future__ import annotations

import pytest

from kiosk.devices.wedge import WedgeEvent, WedgeReader, WedgeSettings


def keys(text: str, start: float, gap: float) -> list[tuple[str, float]]:
    return [(ch, start + i * gap) for i, ch in enumerate(text)]


def run(reader: WedgeReader, script: list[tuple[str, float]], end: float | None = None) -> list[WedgeEvent]:
    events: list[WedgeEvent] = []
    for key, at in script:
        events += reader.feed(key, at)
    if end is not None:
        events += reader.poll(end)
    return _join(events)


def _join(events: list[WedgeEvent]) -> list[WedgeEvent]:
    out: list[WedgeEvent] = []
    for ev in events:
        if out and ev.kind == "typed" and out[-1].kind == "typed":
            out[-1] = WedgeEvent("typed", out[-1].text + ev.text)
        else:
            out.append(ev)
    return out


SCAN, TYPED, KEY = "scan", "typed", "key"
CODE = "https://jkm.example.gov.cn/v?t=Zz9"

TIMING_CASES = [
    ("scanner burst + Enter", keys(CODE + "\n", 0.0, 0.004), 1.0, [(SCAN, CODE)]),
    ("scanner sends CR", keys("HC1:ABCDEF\r", 0.0, 0.003), 1.0, [(SCAN, "HC1:ABCDEF")]),
    ("scanner sends CR LF: one scan, no stray Enter", keys("HC1:ABCDEF\r\n", 0.0, 0.003), 1.0, [(SCAN, "HC1:ABCDEF")]),
    ("two scans back to back", keys("CODE-ONE\n", 0.0, 0.004) + keys("CODE-TWO\n", 0.5, 0.004), 1.0,
     [(SCAN, "CODE-ONE"), (SCAN, "CODE-TWO")]),
    ("guard types an ID number", keys("11010519491231002X\n", 0.0, 0.18), 10.0, [(TYPED, "11010519491231002X\n")]),
    ("short fast burst + Enter is typing", keys("36.5\n", 0.0, 0.01), 1.0, [(TYPED, "36.5\n")]),
    ("guard types, pauses, scanner fires", keys("ab", 0.0, 0.2) + keys("CODE1234\n", 2.0, 0.005), 5.0,
     [(TYPED, "ab"), (SCAN, "CODE1234")]),
    ("a burst with a slow key in the middle is typing", keys("CODE", 0.0, 0.005) + keys("1234\n", 0.5, 0.005), 2.0,
     [(TYPED, "CODE1234\n")]),
    ("burst without Enter is released as typing", keys("QWERTYUI", 0.0, 0.005), 1.0, [(TYPED, "QWERTYUI")]),
    ("Enter alone", [("\n", 0.0)], 1.0, [(TYPED, "\n")]),
    ("named keys pass through", [("a", 0.0), ("backspace", 0.5)], 1.0, [(TYPED, "a"), (KEY, "backspace")]),
    ("unicode scan", keys("张三HC1:中文码\n", 0.0, 0.004), 1.0, [(SCAN, "张三HC1:中文码")]),
]


@pytest.mark.parametrize(("name", "script", "end", "expected"), TIMING_CASES, ids=[c[0] for c in TIMING_CASES])
def test_timing_mode(name: str, script: list[tuple[str, float]], end: float, expected: list[tuple[str, str]]) -> None:
    reader = WedgeReader(WedgeSettings(max_gap_s=0.04, min_length=6))
    assert [(e.kind, e.text) for e in run(reader, script, end)] == expected
    assert not reader.holding


PREFIX_CASES = [
    ("prefixed scan", keys("~" + CODE + "\n", 0.0, 0.004), [(SCAN, CODE)]),
    ("slow prefixed scan still a scan (old scanner)", keys("~HC1:AB\n", 0.0, 0.05), [(SCAN, "HC1:AB")]),
    ("typing goes straight through, even fast", keys("36.8\n", 0.0, 0.005), [(TYPED, "36.8\n")]),
    ("prefix char typed then a pause: typing", keys("~", 0.0, 0.1) + keys("x\n", 1.0, 0.1), [(TYPED, "~x\n")]),
]


@pytest.mark.parametrize(("name", "script", "expected"), PREFIX_CASES, ids=[c[0] for c in PREFIX_CASES])
def test_prefix_mode(name: str, script: list[tuple[str, float]], expected: list[tuple[str, str]]) -> None:
    reader = WedgeReader(WedgeSettings(prefix="~"))
    assert [(e.kind, e.text) for e in run(reader, script, 10.0)] == expected


def test_multi_character_prefix_that_does_not_match_is_released_at_once() -> None:
    reader = WedgeReader(WedgeSettings(prefix="]Q1"))
    assert [(e.kind, e.text) for e in run(reader, keys("]Qx", 0.0, 0.005))] == [(TYPED, "]Qx")]
    assert [(e.kind, e.text) for e in run(reader, keys("]Q1CODE\n", 1.0, 0.005))] == [(SCAN, "CODE")]


def test_suffix_is_stripped_and_may_end_a_scan_without_enter() -> None:
    reader = WedgeReader(WedgeSettings(suffix="#", min_length=4))
    assert [(e.kind, e.text) for e in run(reader, keys("HC1:ABC#\n", 0.0, 0.004))] == [(SCAN, "HC1:ABC")]
    assert [(e.kind, e.text) for e in run(reader, keys("HC1:XYZ#", 1.0, 0.004))] == [(SCAN, "HC1:XYZ")]
    # The Enter the scanner sends after the suffix does not submit the guard's form …
    assert run(reader, [("\n", 1.04)]) == []
    # … but a later Enter from the guard does.
    assert [(e.kind, e.text) for e in run(reader, [("\n", 3.0)])] == [(TYPED, "\n")]


def test_poll_releases_held_keys_only_after_the_gap() -> None:
    reader = WedgeReader(WedgeSettings(max_gap_s=0.04))
    assert reader.feed("7", 0.0) == []
    assert reader.holding
    assert reader.poll(0.03) == []
    assert reader.poll(0.05) == [WedgeEvent("typed", "7")]


@pytest.mark.parametrize(
    "kwargs", [{"max_gap_s": 0}, {"min_length": 0}, {"prefix": "\n"}, {"suffix": "a\r"}], ids=str
)
def test_bad_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        WedgeSettings(**kwargs)
