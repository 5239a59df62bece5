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

LANE_SCHEMA = """
-- The alerts' priority lane: alert records waiting to go to the server ahead of the outbox's batches.
create table alert_lane (
    seq integer primary key references journal (seq),
    state text not null default 'pending' check (state in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,
    last_error text,
    sent_at text
);
create index alert_lane_state on alert_lane (state, seq);

-- Home isolation from the bundle: look-up hash and masked forms; in force from start through end (local dates).
create table home_isolation (
    id integer primary key,
    id_hash text,
    person_uuid text,
    name_masked text not null default '',
    id_masked text not null default '',
    building text not null default '',
    unit text not null default '',
    room text not null default '',
    start_date text not null,
    end_date text not null
);
create index home_isolation_hash on home_isolation (id_hash);
create index home_isolation_person on home_isolation (person_uuid);
"""


def raise_alert(w: Writer, kind: str, message: str, *, entry_uuid: str | None = None, created_at: str | None = None,
                **data: Any) -> Record:
    """Append an `alert` record and queue it on the lane (inside the caller's `store.writing()`)."""
    body = {"kind": kind, "message": message, **data}
    if entry_uuid is not None:
        body["entry_uuid"] = entry_uuid
    rec = w.append("alert", body, created_at=created_at)
    project_alert(w.db, rec, body)
    w.db.execute("insert into alert_lane (seq) values (?)", [rec.seq])
    return rec


def project_alert(db: Any, rec: Record, body: Mapping[str, Any]) -> None:
    """The admin's `alerts` row of an `alert` record, from the body the journal got."""
    db.execute("insert into alerts (record_uuid, created_at, kind, entry_uuid, message) values (?, ?, ?, ?, ?)",
               [rec.uuid, rec.created_at, body["kind"], body.get("entry_uuid"), body["message"]])


def _register() -> None:
    from sqlite_utils import Database

    from kiosk.store.migrations import execute_script, migration

    @migration("0601_alert_lane_isolation")
    def alert_lane_isolation(db: Database) -> None:
        execute_script(db, LANE_SCHEMA)


_register()
