"""Lockdown by scan, the no-smartphone lane offline, the wired thermometer and the fever wait,
in the real App and window; then the database is checked."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Run = Callable[..., dict[str, Any]]


def _entries(store: Any) -> list[dict[str, Any]]:
    return [json.loads(b) for (b,) in store.db.execute("select body from journal where kind = 'gate_entry' order by seq")]


def test_rostered_resident_passes_in_lockdown_by_scan(run_scenario: Run, open_db: Callable[..., Any]) -> None:
    r = run_scenario("lockdown_scan")
    f = r["facts"]
    assert "张*" in f["who"] and "3-2-401" in f["who"], f["who"]  # the code was matched to the roster
    assert f["resident"]["headline"] == "通行", f["resident"]
    assert f["buildings"] == ["3"]  # the quick roster pick starts with the buildings
    assert f["visitor"]["headline"] == "请稍候：需人工核查" and "封闭" in f["visitor"]["reasons"], f["visitor"]
    store = open_db(r["data_dir"])
    resident, visitor = _entries(store)
    assert (resident["mode"], resident["matched_by"], resident["outcome"]) == ("lockdown", "code-identity", "pass")
    assert resident["person_uuid"] and visitor["person_uuid"] is None
    assert visitor["reasons"] == ["lockdown-non-resident"]


def test_no_smartphone_lane_offline_resident_and_visitor(run_scenario: Run, open_db: Callable[..., Any]) -> None:
    r = run_scenario("nophone_offline")
    f = r["facts"]
    assert "手机" not in f["who"] and "张*" in f["who"], f["who"]  # no code colour on a phone to speak of
    assert f["resident"]["headline"] == "通行", f["resident"]
    assert f["visitor"]["headline"] == "请稍候：需人工核查", f["visitor"]
    assert "颜色" not in f["explain"]
    store = open_db(r["data_dir"])
    resident, visitor = _entries(store)
    assert resident["lane"] == "id-number" and resident["id_source"] == "reader" and resident["offline_registration"]
    assert resident["outcome"] == "pass" and resident["colour_source"] == "none" and resident["attested_colour"] is None
    assert visitor["outcome"] == "review" and visitor["reasons"] == ["code-unverified"]
    assert visitor["id_masked"].startswith("E") and "12345678" not in json.dumps(visitor)
    # both are re-checked by ID number once the kiosk is online
    assert store.db.execute("select count(*) from pending_rechecks where id_cipher is not null").fetchone()[0] == 2


def test_thermometer_reading_from_the_serial_device(run_scenario: Run, open_db: Callable[..., Any]) -> None:
    r = run_scenario("thermometer_serial")
    f = r["facts"]
    assert f["asked"] and "36.7" in f["filled"], f
    assert f["shown"]["headline"] == "通行"
    store = open_db(r["data_dir"])
    rows = store.db.execute("select value_c, method from temperature_readings").fetchall()
    assert rows == [(36.72, "infrared")]  # the device's own value, not the rounded one on screen


def test_fever_remeasure_after_the_wait_keeps_both_readings(run_scenario: Run, open_db: Callable[..., Any]) -> None:
    r = run_scenario("fever_wait")
    f = r["facts"]
    assert f["record_disabled"] and f["method"] == "contact" and f["countdown"], f
    assert f["waited"] >= 2.0, f  # the countdown really held the contact reading back
    assert f["shown"]["headline"] == "通行"
    store = open_db(r["data_dir"])
    rows = store.db.execute("select value_c, method, created_at from temperature_readings order by seq").fetchall()
    assert [(v, m) for v, m, _ in rows] == [(37.9, "infrared"), (36.9, "contact")]
    import datetime as dt

    first, second = (dt.datetime.fromisoformat(t) for _, _, t in rows)
    assert (second - first).total_seconds() >= 4.0  # each reading with its own time, after the pause
