"""sync.status: the one reader behind `kiosk sync status` and the admin screen's sync tab."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import load_config
from kiosk.service.duty import DutyRoster
from kiosk.service.modes import effective_mode
from kiosk.store.db import open_store
from kiosk.store.errors import StoreError
from kiosk.store.outbox_state import OutboxState
from kiosk.store.schema import INITIAL
from kiosk.ui.adapters.duty_status import DutyAdapter, StatusAdapter
from sync import log as synclog
from sync import revoked
from sync.status import attempt_outcome, log_rows, pending_by_kind, sync_status


@pytest.mark.parametrize(("direction", "status", "error", "outcome"), [
    ("upload", 200, None, "ok"),
    ("pull", 304, None, "ok"),
    ("upload", None, "connection refused", "retry"),
    ("upload", 503, "HTTP 503", "retry"),
    ("upload", 429, "HTTP 429", "retry"),
    ("upload", 413, "HTTP 413", "retry"),  # split and sent again
    ("upload", 401, "HTTP 401: stale-timestamp", "retry"),
    ("upload", 422, "HTTP 422: bad record", "parked"),
    ("pull", 422, "HTTP 422", "refused"),  # a pull parks nothing
    ("upload", 401, "HTTP 401: unknown-device", "refused"),
    ("upload", 403, "HTTP 403: device-revoked", "refused"),
])
def test_each_attempt_is_named_as_the_admin_reads_it(direction: str, status: int | None, error: str | None, outcome: str) -> None:
    assert attempt_outcome(direction, status, error) == outcome


@pytest.fixture
def kiosk(tmp_path: Path) -> Any:
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(tmp_path)})
    store = open_store(cfg.db_path)
    yield cfg, store
    store.close()


def test_status_log_and_pending_agree(kiosk: Any) -> None:
    cfg, store = kiosk
    now = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    assert sync_status(cfg, store, now=now)["online"] is None  # nothing tried yet
    with store.writing() as w:
        for i in range(3):
            w.append("gate_entry", {"n": i}, created_at=(now - dt.timedelta(hours=2 - i)).isoformat())
        w.append("visitor", {"n": 9}, created_at=(now - dt.timedelta(minutes=5)).isoformat())
        w.db.execute("update outbox set state = 'failed', last_error = 'HTTP 422: no' where seq = 2")
    at = (now - dt.timedelta(minutes=30)).isoformat()
    synclog.record(store, synclog.Attempt(at, "upload", None, 4, 900, 12.0, 200, None))
    synclog.record(store, synclog.Attempt((now - dt.timedelta(minutes=1)).isoformat(), "upload", None, 4, 0, 3.0, 503, "HTTP 503"))
    st = sync_status(cfg, store, now=now)
    assert st["online"] is False and st["pending"] == 3 and st["failed"] == 1
    assert st["oldest_pending_age_s"] == 2 * 3600 and st["last_upload_at"] == at
    assert [p["seq"] for p in st["parked"]] == [2] and st["parked"][0]["error"] == "HTTP 422: no"
    assert pending_by_kind(store) == [
        {"kind": "gate_entry", "count": 3, "oldest_at": (now - dt.timedelta(hours=2)).isoformat(), "parked": 1},
        {"kind": "visitor", "count": 1, "oldest_at": (now - dt.timedelta(minutes=5)).isoformat(), "parked": 0},
    ]
    rows = log_rows(store)
    assert [r["outcome"] for r in rows] == ["retry", "ok"]  # newest first
    assert [r["outcome"] for r in log_rows(store, outcome="ok")] == ["ok"]
    with pytest.raises(ValueError, match="outcome must be one of"):
        log_rows(store, outcome="fine")


def test_outbox_states_are_the_schemas(kiosk: Any) -> None:
    check = re.search(r"check \(state in \(([^)]*)\)\)", INITIAL.split("create table outbox")[1])
    assert check is not None
    assert {s.strip().strip("'") for s in check.group(1).split(",")} == {str(s) for s in OutboxState}
    _cfg, store = kiosk
    with pytest.raises(StoreError, match="CHECK"), store.writing() as w:  # the column takes nothing else
        w.append("gate_entry", {"n": 1})
        w.db.execute("update outbox set state = 'lost'")


def test_status_bar_says_what_sync_status_says(kiosk: Any) -> None:
    """The status bar (StatusAdapter.snapshot) and `kiosk sync status` / the admin screen read one function."""
    cfg, store = kiosk
    bar = StatusAdapter(store, lambda: effective_mode(store.db, cfg["policy.mode"]), DutyAdapter(DutyRoster(store)))
    now = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)

    def agree() -> tuple[Any, dict[str, Any]]:
        view, st = bar.snapshot(), sync_status(cfg, store, now=now)
        assert (view.pending_uploads, view.failed_uploads, view.revoked) == (st["pending"], st["failed"], st["revoked"])
        assert view.last_sync_at == (st["last_upload_at"] or "")
        if not view.revoked:  # a revoked gate: the bar says "revoked" whatever the last upload did
            assert view.online == st["online"]
        return view, st

    view, _ = agree()
    assert view.online is None and view.pending_uploads == 0
    with store.writing() as w:
        for i in range(5):
            w.append("gate_entry", {"n": i})
        w.db.execute("update outbox set state = ? where seq = 1", [OutboxState.SENT])
        w.db.execute("update outbox set state = ? where seq = 2", [OutboxState.CLAIMED])
        w.db.execute("update outbox set state = ? where seq = 3", [OutboxState.FAILED])
    synclog.record(store, synclog.Attempt((now - dt.timedelta(minutes=2)).isoformat(), "upload", None, 1, 9, 1.0, 200, None))
    view, st = agree()
    assert (view.online, view.pending_uploads, view.failed_uploads, st["sent"]) == (True, 3, 1, 1)
    synclog.record(store, synclog.Attempt((now - dt.timedelta(minutes=1)).isoformat(), "upload", None, 1, 9, 1.0, 503, "HTTP 503"))
    view, _ = agree()
    assert view.online is False
    revoked.mark(store)
    view, st = agree()
    assert view.revoked and st["revoked"] and st["online"] is False
