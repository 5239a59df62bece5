"""Retention: purge records older than store.retention_days, but only once the server holds them.

Visitors' personal data goes with them: their registrations are projections of purged
records, and a visitor's `people` row is deleted once no kept record refers to it.

Only a prefix of the chain is ever purged (in short steps) (seq 1..S, every one of them old AND acknowledged
AND not waiting for a re-check), and device_state.anchor_seq/anchor_hash move to record S,
so the remaining chain still verifies from the anchor. Old records that are not on the
server are kept and flagged with an alert, once a day, for the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.store import state
from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Store
from kiosk.store.outbox_state import OutboxState

from sync.protocol.clock import utc_iso, utc_now

ALERT_KIND = "unsent-past-retention"


@dataclass(frozen=True)
class RetentionResult:
    cutoff: str
    purged: int  # journal records removed
    anchor_seq: int  # the chain now starts after this seq
    unsent_old: int  # old records kept because the server does not hold them yet
    alert_uuid: str | None  # the alert written for them (None: none needed, or already today)
    visitors_purged: int = 0  # visitors' people rows no kept record refers to any more


def _referencing_tables(db: Any) -> list[tuple[str, str, str]]:
    """(table, column, journal column) for every foreign key that points at the journal."""
    out = []
    names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'").fetchall()]
    for name in names:
        for fk in db.execute("select * from pragma_foreign_key_list(?)", [name]).fetchall():
            # fk = (id, seq, table, from, to, on_update, on_delete, match)
            if fk[2] == "journal" and name not in ("outbox",):
                out.append((name, fk[3], fk[4] or "seq"))
    return out


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _purge_step(db: Any, cutoff: str, chunk: int) -> int:
    """Purge at most `chunk` records from the front of the chain; returns how many."""
    anchor_seq, last_seq = db.execute("select anchor_seq, last_seq from device_state").fetchone()
    window = min(anchor_seq + chunk, last_seq)
    blockers = [
        db.execute(
            "select min(j.seq) from journal j join outbox o on o.seq = j.seq "
            "where j.seq > ? and j.seq <= ? and (j.created_at >= ? or o.state != ?)",
            [anchor_seq, window, cutoff, OutboxState.SENT],
        ).fetchone()[0],
        db.execute("select min(j.seq) from pending_rechecks p join journal j on j.uuid = p.entry_uuid").fetchone()[0],
    ]
    through = min([window] + [b - 1 for b in blockers if b is not None])
    if through <= anchor_seq:
        return 0
    new_anchor_hash = db.execute("select hash from journal where seq = ?", [through]).fetchone()[0]
    for table, column, target in _referencing_tables(db):
        # Identifiers come from the schema itself, never from input.
        if target == "uuid":
            sql = f"delete from {_quote(table)} where {_quote(column)} in (select uuid from journal where seq <= ?)"  # noqa: S608
        else:
            sql = f"delete from {_quote(table)} where {_quote(column)} <= ?"  # noqa: S608
        db.execute(sql, [through])
    db.execute("delete from outbox where seq <= ?", [through])
    purged = int(db.execute("delete from journal where seq <= ?", [through]).rowcount)
    db.execute("update device_state set anchor_seq = ?, anchor_hash = ? where id = 1", [through, new_anchor_hash])
    return purged


def purge(store: Store, retention_days: int, now: datetime | None = None, chunk: int = 2000) -> RetentionResult:
    """Purge the old acknowledged prefix in steps of at most `chunk` records (each step one
    short transaction, so a gate pass never waits long for the writer), prune the sync log,
    and flag old unsent records."""
    if retention_days < 1 or chunk < 1:
        raise ValueError("retention_days and chunk must be at least 1")
    now = now or utc_now()
    cutoff = utc_iso(now - timedelta(days=retention_days))
    purged = 0
    while True:
        with store.writing() as w:
            step = _purge_step(w.db, cutoff, chunk)
        purged += step
        if step == 0:
            break
    with store.writing() as w:
        db = w.db
        anchor_seq = db.execute("select anchor_seq from device_state").fetchone()[0]
        db.execute("delete from sync_log where at < ?", [cutoff])
        # A visitor's personal data (name, ID and phone ciphers) goes with the last record about
        # them: their registrations were purged with the journal above (PIPL art. 19).
        visitors = db.execute(
            "delete from people where kind = 'visitor' and updated_at < ?"
            " and uuid not in (select person_uuid from visitor_registrations)"
            " and uuid not in (select person_uuid from gate_entries where person_uuid is not null)",
            [cutoff],
        ).rowcount
        unsent, oldest = db.execute(
            "select count(*), min(j.seq) from journal j join outbox o on o.seq = j.seq "
            "where j.created_at < ? and o.state != ?",
            [cutoff, OutboxState.SENT],
        ).fetchone()
        alert_uuid = None
        today = now.astimezone(UTC).date().isoformat()
        if unsent and state.value(db, state.UNSENT_ALERT_DAY) != today:
            message = (
                f"{unsent} record(s) older than {retention_days} days are not on the central server yet "
                f"(oldest seq {oldest}); they are kept until it confirms them"
            )
            rec = raise_alert(w, ALERT_KIND, message, count=unsent, oldest_seq=oldest)
            state.put(db, state.UNSENT_ALERT_DAY, today)
            alert_uuid = rec.uuid
    return RetentionResult(cutoff, purged, anchor_seq, int(unsent), alert_uuid, int(visitors))
