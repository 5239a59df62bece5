"""One writer per projected table: `people` rows (kiosk/store/people_rows.py), `alerts` rows
(kiosk/store/alert_lane.py), `gate_entries` rows (kiosk/store/gate_entry_rows.py),
`temperature_readings` rows (kiosk/store/temperature_rows.py) and `pending_rechecks` rows
(kiosk/store/recheck_rows.py), whichever package the record comes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk.domain.models import Outcome, Reason
from kiosk.domain.policy import Decision
from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Store
from kiosk.store.gate_entry_rows import project_gate_entry, project_guard_decision
from kiosk.store.people_rows import put_people
from kiosk.store.temperature_rows import project_temperature

REPO = Path(__file__).resolve().parents[2]
T0, T1 = "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00"


def _writers(pattern: str) -> list[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    return sorted(str(p.relative_to(REPO)) for folder in ("kiosk", "sync") for p in (REPO / folder).rglob("*.py")
                  if not p.is_relative_to(REPO / "sync/server") and rx.search(p.read_text(encoding="utf-8")))


def test_people_and_alerts_rows_have_one_writer_each() -> None:
    assert _writers(r"\binsert\s+into\s+people\b|\bupdate\s+people\b") == ["kiosk/store/people_rows.py"]
    assert _writers(r"\binsert\s+into\s+alerts\b|\bupdate\s+alerts\b") == ["kiosk/store/alert_lane.py"]


def _table_writes(table: str) -> str:
    """SQL that adds or changes rows (insert, insert or replace, replace, update) and sqlite-utils' table API."""
    return (rf"\b(?:insert(?:\s+or\s+\w+)?|replace)\s+into\s+{table}\b|\bupdate\s+{table}\b"
            rf"|\[\s*['\"]{table}['\"]\s*\]|\.table\(\s*['\"]{table}['\"]")


def test_gate_entries_and_temperature_readings_have_one_writer_each() -> None:
    assert _writers(_table_writes("gate_entries")) == ["kiosk/store/gate_entry_rows.py"]
    assert _writers(_table_writes("temperature_readings")) == ["kiosk/store/temperature_rows.py"]


def test_pending_rechecks_have_one_writer() -> None:
    """The gate queues a re-check and sync/recheck.py clears it: both through kiosk/store/recheck_rows.py."""
    assert _writers(_table_writes("pending_rechecks") + r"|\bdelete\s+from\s+pending_rechecks\b") == ["kiosk/store/recheck_rows.py"]


def _row(uuid: str, name: str, at: str, **more: object) -> dict[str, object]:
    return {"uuid": uuid, "kind": "resident", "name": name, "building": "1", "key_groups": "[]", "source": "bundle",
            "created_at": at, "updated_at": at, **more}


def test_put_people_inserts_then_updates_by_uuid_keeping_created_at_and_kept_columns(store: Store) -> None:
    with store.writing() as w:
        put_people(w.db, [_row("p1", "张三", T0), _row("p2", "李四", T0)])
        put_people(w.db, [_row("p1", "张三丰", T1, kind="visitor", origin_region="110105")], keep=("kind",))
    rows = store.db.execute("select uuid, kind, name, origin_region, created_at, updated_at from people order by uuid").fetchall()
    assert rows == [("p1", "resident", "张三丰", "110105", T0, T1), ("p2", "resident", "李四", None, T0, T0)]


def test_put_people_refuses_unknown_columns_and_rows_without_times(store: Store) -> None:
    with store.writing() as w:
        with pytest.raises(ValueError, match="columns"):
            put_people(w.db, [_row("p1", "张三", T0, id_number="110101199003070011")])
        with pytest.raises(ValueError, match="created_at"):
            put_people(w.db, [{"uuid": "p1", "kind": "resident", "name": "张三"}])
    assert store.db.execute("select count(*) from people").fetchone()[0] == 0


def test_the_alerts_row_says_what_the_alert_record_says(store: Store) -> None:
    with store.writing() as w:
        rec = raise_alert(w, "recheck-mismatch", "the platform says red", entry_uuid="e1", created_at=T0,
                          platform_colour="red")
    body = json.loads(store.db.execute("select body from journal where uuid = ?", [rec.uuid]).fetchone()[0])
    row = store.db.execute("select record_uuid, created_at, kind, entry_uuid, message from alerts").fetchone()
    assert body == {"kind": "recheck-mismatch", "message": "the platform says red", "entry_uuid": "e1", "platform_colour": "red"}
    assert row == (rec.uuid, T0, body["kind"], body["entry_uuid"], body["message"])
    assert store.db.execute("select seq, state from alert_lane").fetchall() == [(rec.seq, "pending")]


def _entry_body(**more: object) -> dict[str, object]:
    """A gate_entry body with the fields its row is projected from (as kiosk/service/gate_record.py puts them)."""
    return {"direction": "in", "person_kind": "resident", "person_uuid": "p1", "lane": "scan", "guard": "王建国",
            "code": {"format": "cn-token", "status": "unverified"}, "colour": "green", "colour_source": "attested",
            "temperature": {"verdict": "fever-confirmed", "readings": [
                {"value_c": 37.8, "method": "infrared", "classification": "fever", "taken_at": T0},
                {"value_c": 37.6, "method": "contact", "classification": "fever", "taken_at": T0}]},
            "outcome": "deny", "reasons": ["fever-confirmed"], "key_groups": ["cold-chain"], "risk_level": "high",
            **more}


def test_the_gate_entries_row_says_what_the_gate_entry_record_says(store: Store) -> None:
    low = {"verdict": "remeasure-low", "readings": [{"value_c": 34.1, "method": "infrared", "classification": "low",
                                                      "taken_at": T0}]}
    with store.writing() as w:
        fever, quiet = _entry_body(), _entry_body(code=None, colour="none", colour_source="none", temperature=low,
                                                  outcome="review", reasons=["temperature-low"], key_groups=[],
                                                  risk_level=None, guard=None, person_uuid=None)
        recs = [w.append("gate_entry", b, created_at=T0) for b in (fever, quiet)]
        for rec, b in zip(recs, (fever, quiet), strict=True):
            project_gate_entry(w.db, rec, b)
    rows = store.db.execute(
        "select record_uuid, seq, created_at, direction, person_kind, person_uuid, code_format, code_status, code_colour,"
        " colour_source, temperature_c, fever_confirmed, outcome, reasons, guard, lane, key_group, risk_level, overridden"
        " from gate_entries order by seq").fetchall()
    assert rows == [
        (recs[0].uuid, recs[0].seq, T0, "in", "resident", "p1", "cn-token", "unverified", "green", "attested", 37.6, 1,
         "deny", '["fever-confirmed"]', "王建国", "scan", 1, "high", 0),
        (recs[1].uuid, recs[1].seq, T0, "in", "resident", None, None, None, "none", "none", None, 0,
         "review", '["temperature-low"]', None, "scan", 0, None, 0),
    ]


def test_a_guards_decision_updates_its_entrys_row_keeping_the_full_reason(store: Store) -> None:
    body = _entry_body(temperature={"verdict": "normal", "readings": []}, outcome="review", reasons=["code-unverified"])
    after = Decision(Outcome.PASS, (Reason.GUARD_OVERRIDE,), overridden=True, override_by="李四",
                     override_reason="居委会电话确认 13800138000", original_outcome=Outcome.REVIEW)
    with store.writing() as w:
        rec = w.append("gate_entry", body, created_at=T0)
        project_gate_entry(w.db, rec, body)
        override = {"entry_uuid": rec.uuid, "guard": "李四", "reason": "居委会电话确认 138****8000",
                    "original_outcome": "review", "reasons": ["code-unverified"]}
        w.append("override", override, created_at=T1)
        project_guard_decision(w.db, override, after)
    row = store.db.execute("select outcome, overridden, original_outcome, override_reason, reasons, guard, temperature_c"
                           " from gate_entries").fetchone()
    assert row == ("pass", 1, "review", "居委会电话确认 13800138000", '["guard-override"]', "李四", None)


def test_the_temperature_readings_row_says_what_the_temperature_record_says(store: Store) -> None:
    bodies = [{"entry_uuid": "e1", "value_c": 36.4, "method": "keypad", "classification": "normal", "valid": True,
               "taken_at": T0},
              {"entry_uuid": "e1", "value_c": None, "method": "infrared", "classification": "bad", "valid": False,
               "taken_at": T0}]
    with store.writing() as w:
        recs = [w.append("temperature", b, created_at=T1) for b in bodies]
        for rec, b in zip(recs, bodies, strict=True):
            project_temperature(w.db, rec, b)
    rows = store.db.execute("select record_uuid, seq, created_at, entry_uuid, value_c, method, classification, valid"
                            " from temperature_readings order by seq").fetchall()
    # created_at is when the reading was taken, not when the pass was recorded
    assert rows == [(recs[0].uuid, recs[0].seq, T0, "e1", 36.4, "keypad", "normal", 1),
                    (recs[1].uuid, recs[1].seq, T0, "e1", None, "infrared", "bad", 0)]
