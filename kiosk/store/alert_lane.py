"""Alerts on the kiosk: one helper writes the alert record, the admin's projection row and the alert
lane row in the caller's transaction, so an alert is never recorded without going out ahead of the
batches (sync/alert_lane.py sends the lane; the batch later carries the same record, stored once).

Alert kinds (the server knows the same names): fever-confirmed, red-code, isolation-breach,
recheck-mismatch, unsent-past-retention, clock-skew.
"""

from __future__ import annotations

from typing import Any

from kiosk.store.db import Record, Writer


def raise_alert(w: Writer, kind: str, message: str, *, entry_uuid: str | None = None, created_at: str | None = None,
                **data: Any) -> Record:
    """Append an `alert` record and queue it on the lane (inside the caller's `store.writing()`)."""
    body = {"kind": kind, "message": message, **data}
    if entry_uuid is not None:
        body["entry_uuid"] = entry_uuid
    rec = w.append("alert", body, created_at=created_at)
    w.db.execute("insert into alerts (record_uuid, created_at, kind, entry_uuid, message) values (?, ?, ?, ?, ?)",
                 [rec.uuid, rec.created_at, kind, entry_uuid, message])
    w.db.execute("insert into alert_lane (seq) values (?)", [rec.seq])
    return rec

