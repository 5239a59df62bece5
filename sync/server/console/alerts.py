"""Alerts for the console, derived from ingested records: the kiosk's own `alert` records (confirmed
fever, ...) and gate entries with a red code. Read incrementally past a watermark of received_at, so
ingest stays untouched; insert-or-ignore on the record uuid makes concurrent refreshes harmless. The
same pass copies each gate entry's counted fields into console_gate_entries (figures.count_day).

Extension point (issue 12): further alert kinds (isolation breach, re-check mismatch) add a rule to
`_alert_of_body` and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.server.console.auth import now_iso
from sync.server.console.tables import alerts, console_state, gate_entries
from sync.server.tables import records

WATERMARK = "alerts_scanned_through"
SCAN_CHUNK = 20000  # a full chunk moves the watermark to its end (no trail): a backlog is worked through
LAG_S = 30


def _parse(body_text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(body_text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def alert_of(kind: str, body_text: str) -> tuple[str, str] | None:
    """(alert kind, message) for a record that raises an alert, else None. Pure."""
    if kind not in ("alert", "gate_entry"):
        return None
    body = _parse(body_text)
    return None if body is None else _alert_of_body(kind, body)


def _alert_of_body(kind: str, body: dict[str, Any]) -> tuple[str, str] | None:
    if kind == "alert":
        return str(body.get("kind") or "alert")[:40], str(body.get("message") or "")[:500]
    if kind == "gate_entry" and body.get("colour") == "red":
        return "red-code", f"red health code at the gate ({body.get('direction', '?')}, {body.get('id_masked') or 'no ID'})"
    return None


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
    return list(conn.execute(
        select(records.c.uuid, records.c.device_id, records.c.kind, records.c.body, records.c.created_at, records.c.received_at)
        .where(records.c.kind.in_(("alert", "gate_entry")), records.c.received_at >= since)
        .order_by(records.c.received_at).limit(SCAN_CHUNK)
    ))


def refresh(engine: Engine) -> int:
    """Turn records received since the watermark into alerts, and copy gate entries' counted fields
    into console_gate_entries; returns how many alerts were new.

    The watermark trails the clock by LAG_S (see _clock_mark): a batch committed late with an earlier
    received_at is still found. Records already copied are filtered before any write, so a quiet
    poll only reads, but for moving the watermark at most once per LAG_S."""
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
        hits = {r.uuid: (r, _alert_of_body(r.kind, b)) for r in rows if (b := bodies[r.uuid]) is not None}
        hits = {u: v for u, v in hits.items() if v[1] is not None}
        entries = [r for r in rows if r.kind == "gate_entry" and bodies[r.uuid] is not None]
        known = set(conn.execute(select(alerts.c.record_uuid).where(alerts.c.record_uuid.in_(list(hits)))).scalars()) if hits else set()
        copied = set(conn.execute(select(gate_entries.c.record_uuid).where(
            gate_entries.c.record_uuid.in_([r.uuid for r in entries]))).scalars()) if entries else set()
    fresh = [
        {"record_uuid": r.uuid, "device_id": r.device_id, "kind": hit[0], "message": hit[1], "created_at": r.created_at, "received_at": r.received_at}
        for u, (r, hit) in hits.items() if u not in known and hit is not None
    ]
    facts = [{"record_uuid": r.uuid, "device_id": r.device_id, "created_at": r.created_at, **entry_facts(bodies[r.uuid] or {})}
             for r in entries if r.uuid not in copied]
    full = len(rows) == SCAN_CHUNK
    mark = rows[-1].received_at if full else _clock_mark()
    if not fresh and not facts and not _moved(since, mark, LAG_S if not full else 0):
        return 0, full
    with engine.begin() as conn:
        _insert_ignore(conn, alerts, fresh)
        _insert_ignore(conn, gate_entries, facts)
        _put_state(conn, mark, insert=since is None)
    return len(fresh), full


def _clock_mark() -> str:
    """Where the next read starts once the backlog is read: LAG_S before now. Every committed record
    at or past the old mark was just read, and a batch still committing was stamped (received_at)
    within LAG_S of now. Trailing the clock, not the newest record, keeps a poll's re-read to the
    last LAG_S of traffic even when the gates fall silent after a large upload (issue 13: 2,000
    records re-read per poll cost 0.2-0.5 s a page)."""
    return (datetime.now(UTC) - timedelta(seconds=LAG_S)).isoformat(timespec="seconds")


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
    done = conn.execute(update(alerts).where(alerts.c.record_uuid == record_uuid, alerts.c.acked_at.is_(None))
                        .values(acked_by=by, acked_at=now_iso(), ack_note=note))
    return done.rowcount == 1


def device_of(conn: Connection, record_uuid: str) -> str | None:
    value = conn.execute(select(alerts.c.device_id).where(alerts.c.record_uuid == record_uuid)).scalar()
    return None if value is None else str(value)
