"""One writer per projected table: `people` rows (kiosk/store/people_rows.py) and `alerts` rows
(kiosk/store/alert_lane.py), whichever package the record comes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Store
from kiosk.store.people_rows import put_people

REPO = Path(__file__).resolve().parents[2]
T0, T1 = "2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00"


def _writers(pattern: str) -> list[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    return sorted(str(p.relative_to(REPO)) for folder in ("kiosk", "sync") for p in (REPO / folder).rglob("*.py")
                  if not p.is_relative_to(REPO / "sync/server") and rx.search(p.read_text(encoding="utf-8")))


def test_people_and_alerts_rows_have_one_writer_each() -> None:
    assert _writers(r"\binsert\s+into\s+people\b|\bupdate\s+people\b") == ["kiosk/store/people_rows.py"]
    assert _writers(r"\binsert\s+into\s+alerts\b|\bupdate\s+alerts\b") == ["kiosk/store/alert_lane.py"]


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
