"""The alert lane's states are LaneState (kiosk/store/lane_state.py): the schema's CHECK allows
exactly its members, and no kiosk-side module spells them as bare strings beside the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Store
from kiosk.store.errors import StoreError
from kiosk.store.lane_state import LaneState
from kiosk.store.sync_schema import LANE_SCHEMA

REPO = Path(__file__).resolve().parents[2]


def test_lane_states_are_the_schemas(store: Store) -> None:
    check = re.search(r"check \(state in \(([^)]*)\)\)", LANE_SCHEMA.split("create table alert_lane")[1])
    assert check is not None
    assert {s.strip().strip("'") for s in check.group(1).split(",")} == {str(s) for s in LaneState}
    with pytest.raises(StoreError, match="CHECK"), store.writing() as w:  # the column takes nothing else
        raise_alert(w, "clock-skew", "off")
        w.db.execute("update alert_lane set state = 'lost'")


def test_no_module_spells_a_lane_state_as_a_bare_string() -> None:
    bare = re.compile(r"state\s*(=|!=|<>|in)\s*\(?\s*'(" + "|".join(LaneState) + r")'", re.IGNORECASE)
    users = [p for folder in ("kiosk", "sync") for p in (REPO / folder).rglob("*.py")
             if not p.is_relative_to(REPO / "sync/server") and p.name != "sync_schema.py"
             and "alert_lane " in p.read_text(encoding="utf-8")]
    assert len(users) >= 2  # the writer (kiosk/store/alert_lane.py) and the sender (sync/alert_lane.py)
    assert [str(p.relative_to(REPO)) for p in users if bare.search(p.read_text(encoding="utf-8"))] == []
