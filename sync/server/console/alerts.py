"""The console's view of the server's alerts (owner: sync/server/alerts/alerts.py, table `alerts`), and the
gate entries and key persons it counts.

Alerts are written when they arrive (the kiosks' priority lane, or ingest of a batch), so the console
only reads them and acknowledges them through the owner. The day's figures read a small projection,
console_gate_entries (direction, outcome, colour of each gate entry), filled here incrementally past
a watermark of received_at so ingest stays untouched (figures.count_day). The same pass copies what
monitoring reads of gate entries and visitor registrations into console_key_entries (key_entries.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.protocol.clock import utc_iso, utc_now
from sync.server.alerts import alerts as store
from sync.server.alerts.tables import alerts
from sync.server.console import key_entries
from sync.server.console.tables import console_state, gate_entries
from sync.server.console.tables import key_entries as key_entries_table
from sync.server.records.tables import records

alert_of = store.alert_of

WATERMARK = "alerts_scanned_through"
SCAN_CHUNK = 20000  # a full chunk moves the watermark to its end (no trail): a backlog is worked through
LAG_S = 30


def _parse(body_text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(body_text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def entry_facts(body: dict[str, Any]) -> dict[str, str | None]:
    """What the day's figures count of a gate entry (console_gate_entries). Pure."""
    def text(name: str) -> str | None:
        value = body.get(name)
        return None if value is None else str(value)[:16]

    return {"direction": text("direction"), "outcome": text("outcome"), "colour": text("colour")}


def _insert_ignore(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    ins: Any = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    conn.execute(ins.on_conflict_do_nothing(), rows)


def _new_records(conn: Connection, since: str) -> list[Any]:
    """The next chunk of gate entries and visitor registrations received since `since`, in received_at
    order: each kind read through its own (kind, received_at) index, then merged."""
    def part(kind: str) -> Any:
        return (select(records.c.uuid, records.c.device_id, records.c.kind, records.c.body, records.c.created_at, records.c.received_at)
                .where(records.c.kind == kind, records.c.received_at >= since)
                .order_by(records.c.received_at).limit(SCAN_CHUNK).subquery())

    both = union_all(*(select(part(kind)) for kind in key_entries.KINDS)).subquery()
    return list(conn.execute(select(both).order_by(both.c.received_at, both.c.uuid).limit(SCAN_CHUNK)))


def refresh(engine: Engine) -> int:
    """Copy the counted fields of gate entries received since the watermark into console_gate_entries;
    returns how many were new. The watermark trails the clock by LAG_S (see _clock_mark): a batch
    committed late with an earlier received_at is still found. A quiet poll only reads, but for
    moving the watermark at most once per LAG_S."""
    return _refresh(engine)[0]


def catch_up(engine: Engine, max_chunks: int = 10_000) -> int:
    """Refresh until the backlog is read (before figures are frozen): several chunks if need be."""
    total = 0
    for _ in range(max_chunks):
        new, full = _refresh(engine)
        total += new
        if not full:
            break
    return total


def _refresh(engine: Engine) -> tuple[int, bool]:
    with engine.connect() as conn:
        since = conn.execute(select(console_state.c.value).where(console_state.c.key == WATERMARK)).scalar()
        rows = _new_records(conn, since or "")
        bodies = {r.uuid: _parse(r.body) for r in rows}
        parsed = [r for r in rows if bodies[r.uuid] is not None]
        # Both projections are written in one transaction: an entry in console_gate_entries is in
        # console_key_entries too (if monitoring needs it); a visitor registration only in the latter.
        entries = [r.uuid for r in parsed if r.kind == "gate_entry"]
        visitors = [r.uuid for r in parsed if r.kind != "gate_entry"]
        copied = set(conn.execute(select(gate_entries.c.record_uuid).where(gate_entries.c.record_uuid.in_(entries))).scalars()) if entries else set()
        if visitors:
            copied |= set(conn.execute(select(key_entries_table.c.record_uuid).where(key_entries_table.c.record_uuid.in_(visitors))).scalars())
    new = [r for r in parsed if r.uuid not in copied]
    facts = [{"record_uuid": r.uuid, "device_id": r.device_id, "created_at": r.created_at, **entry_facts(bodies[r.uuid] or {})}
             for r in new if r.kind == "gate_entry"]
    keyed = [k for r in new if (k := key_entries.row_of(r.uuid, r.device_id, r.kind, r.created_at, bodies[r.uuid])) is not None]
    full = len(rows) == SCAN_CHUNK
    mark = rows[-1].received_at if full else _clock_mark()
    if not new and not _moved(since, mark, LAG_S if not full else 0):
        return 0, full
    with engine.begin() as conn:
        _insert_ignore(conn, gate_entries, facts)
        key_entries.insert(conn, keyed)
        _put_state(conn, mark, insert=since is None)
    return len(facts), full


def _clock_mark() -> str:
    """Where the next read starts once the backlog is read: LAG_S before now. Every committed record
    at or past the old mark was just read, and a batch still committing was stamped (received_at)
    within LAG_S of now. Trailing the clock, not the newest record, keeps a poll's re-read to the
    last LAG_S of traffic even when the gates fall silent after a large upload (issue 13: 2,000
    records re-read per poll cost 0.2-0.5 s a page)."""
    return utc_iso(utc_now() - timedelta(seconds=LAG_S), "seconds")


def _moved(since: str | None, mark: str, by_s: float) -> bool:
    """Is the new mark worth a write? A quiet poll writes at most every by_s seconds."""
    if since is None:
        return True
    try:
        return datetime.fromisoformat(mark) - datetime.fromisoformat(since) > timedelta(seconds=by_s)
    except ValueError:
        return mark > since


def _put_state(conn: Connection, value: str, *, insert: bool) -> None:
    if insert:
        ins: Any = postgresql.insert(console_state) if conn.dialect.name == "postgresql" else sqlite.insert(console_state)
        conn.execute(ins.values(key=WATERMARK, value=value).on_conflict_do_nothing())
    else:
        conn.execute(update(console_state).where(console_state.c.key == WATERMARK, console_state.c.value < value).values(value=value))



def feed(conn: Connection, device_ids: Iterable[str], limit: int = 50) -> list[dict[str, Any]]:
    """Open alerts first, newest first; then recently acknowledged ones."""
    ids = list(device_ids)
    if not ids:
        return []
    q = (select(alerts).where(alerts.c.device_id.in_(ids))
         .order_by(alerts.c.acked_at.is_not(None), alerts.c.created_at.desc()).limit(limit))
    return [dict(r._mapping) for r in conn.execute(q)]


def acknowledge(conn: Connection, record_uuid: str, by: str, note: str) -> bool:
    return store.acknowledge(conn, record_uuid, by, note)


def device_of(conn: Connection, record_uuid: str) -> str | None:
    value = conn.execute(select(alerts.c.device_id).where(alerts.c.record_uuid == record_uuid)).scalar()
    return None if value is None else str(value)
