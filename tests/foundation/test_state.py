"""kiosk_state has one owner: kiosk/store/state.py, with every key declared once."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from kiosk.store import state
from kiosk.store.db import Store

REPO = Path(__file__).resolve().parents[2]
# SQL that touches the table: only the state module (and the schema that creates it) may hold it.
TOUCHES_TABLE = re.compile(r"\b(from|into|update|table)\s+kiosk_state\b", re.IGNORECASE)


def test_every_key_is_declared_once_with_a_meaning_and_a_writer() -> None:
    names = [k.name for k in state.KEYS]
    assert len(names) == len(set(names))
    declared = {v for v in vars(state).values() if isinstance(v, state.Key)}
    assert declared == set(state.KEYS)  # nothing declared outside the registry
    for key in state.KEYS:
        assert key.meaning and key.writer.startswith(("kiosk.", "sync."))
        assert (REPO / (key.writer.replace(".", "/") + ".py")).is_file(), key.writer


def test_no_module_but_the_state_module_reads_or_writes_the_table() -> None:
    allowed = {REPO / "kiosk/store/state.py", REPO / "kiosk/store/schema.py"}
    offenders = [
        str(p.relative_to(REPO)) for folder in ("kiosk", "sync") for p in (REPO / folder).rglob("*.py")
        if p not in allowed and TOUCHES_TABLE.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_put_get_delete_round_trip(store: Store) -> None:
    assert state.get(store.db, state.MODE_ADMIN) is None
    with store.writing() as w:
        state.put(w.db, state.MODE_ADMIN, "lockdown", "2026-11-28T00:00:00+00:00")
        state.put(w.db, state.MODE_ADMIN, "normal", "2026-11-28T01:00:00+00:00")  # the second write replaces the first
    assert state.get(store.db, state.MODE_ADMIN) == ("normal", "2026-11-28T01:00:00+00:00")
    assert state.value(store.db, state.MODE_FROM_BUNDLE) is None
    with store.writing() as w:
        state.put(w.db, state.SYNC_LAST_ERROR, "upload: HTTP 503")  # `at` defaults to now
        state.delete(w.db, state.MODE_ADMIN)
    got = state.get(store.db, state.SYNC_LAST_ERROR)
    assert got is not None and got[0] == "upload: HTTP 503" and got[1].endswith("+00:00")
    assert state.get(store.db, state.MODE_ADMIN) is None


def test_a_family_key_is_used_per_subject_only(store: Store) -> None:
    with store.writing() as w, pytest.raises(ValueError, match="family"):
        state.put(w.db, state.PIN_LOCKOUT, "{}", "2026-11-28T00:00:00+00:00")
    with pytest.raises(ValueError, match="not a family"):
        state.MODE_ADMIN.of("x")
    admin = state.PIN_LOCKOUT.of("admin")
    with store.writing() as w:
        state.put(w.db, admin, '{"failures": 1}', "2026-11-28T00:00:00+00:00")
    row = store.db.execute("select key, value from kiosk_state").fetchall()
    assert row == [("pin_lockout:admin", '{"failures": 1}')]  # the row names as before the registry


@pytest.mark.parametrize(
    ("key", "bad"),
    [(state.SYNC_CLOCK_SKEW, "fast"), (state.OCCUPANCY, "{count: 1"), (state.SYNC_LAST_UPLOAD, "yesterday"),
     (state.SKEW_ALERT_DAY, "2026-13-01")],
)
def test_a_value_that_does_not_read_as_its_kind_is_refused(store: Store, key: state.Key, bad: str) -> None:
    with store.writing() as w, pytest.raises(ValueError):
        state.put(w.db, key, bad, "2026-11-28T00:00:00+00:00")
    assert state.get(store.db, key) is None


def test_reads_through_a_plain_read_only_connection(store: Store) -> None:
    """Doctor reads beside a running kiosk through sqlite3 in read-only mode."""
    with store.writing() as w:
        state.put(w.db, state.SYNC_LAST_ERROR, "pull: timed out", "2026-11-28T00:00:00+00:00")
    ro = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    try:
        assert state.value(ro, state.SYNC_LAST_ERROR) == "pull: timed out"
    finally:
        ro.close()
