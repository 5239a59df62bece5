"""Alerts on the kiosk: one helper writes the alert record, the admin's projection row and the alert
lane row in the caller's transaction, so an alert is never recorded without going out ahead of the
batches (sync/alert_lane.py sends the lane; the batch later carries the same record, stored once).
Every alert goes through `raise_alert` (the gate, the re-check, retention, the clock-skew check), and
its `alerts` row is projected from the record's own body, so the two never say different things.

Alert kinds (the server knows the same names): fever-confirmed, red-code, isolation-breach,
recheck-mismatch, unsent-past-retention, clock-skew.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.store.db import Record, Writer
from kiosk.store.lane_state import LaneState


def raise_alert(w: Writer, kind: str, message: str, *, entry_uuid: str | None = None, created_at: str | None = None,
                **data: Any) -> Record:
    """Append an `alert` record and queue it on the lane (inside the caller's `store.writing()`)."""
    body = {"kind": kind, "message": message, **data}
    if entry_uuid is not None:
        body["entry_uuid"] = entry_uuid
    rec = w.append("alert", body, created_at=created_at)
    project_alert(w.db, rec, body)
    w.db.execute("insert into alert_lane (seq, state) values (?, ?)", [rec.seq, LaneState.PENDING])
    return rec


def project_alert(db: Any, rec: Record, body: Mapping[str, Any]) -> None:
    """The admin's `alerts` row of an `alert` record, from the body the journal got."""
    db.execute("insert into alerts (record_uuid, created_at, kind, entry_uuid, message) values (?, ?, ?, ?, ?)",
               [rec.uuid, rec.created_at, body["kind"], body.get("entry_uuid"), body["message"]])
