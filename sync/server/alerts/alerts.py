"""The server's alerts: ONE owner of the `alerts` table.

Alerts arrive three ways and land in one row each: a kiosk's priority lane (POST /v1/alerts, ahead of
its batches), the same alert record later inside a batch (insert-or-ignore on the record uuid: never a
duplicate), and rules over ingested records (a red code on a gate entry; once per entry and kind).
The server raises its own too (health monitoring). State: new -> acknowledged (who, when) -> closed
(who, when, note). Each new alert is queued for the notification webhook when one is configured.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.protocol.clock import utc_iso
from sync.server.alerts.tables import alerts
from sync.server.devices.tables import devices

KINDS = ("fever-confirmed", "red-code", "isolation-breach", "recheck-mismatch", "unsent-past-retention", "clock-skew",
         "monitoring-missed", "monitoring-fever")
STATES = ("new", "acknowledged", "closed")


def alert_of(kind: str, body_text: str) -> tuple[str, str] | None:
    """(alert kind, message) for a record that raises an alert, else None. Pure."""
    found = _alert_body(kind, body_text)
    return None if found is None else (found[0], found[1])


def _alert_body(kind: str, body_text: str) -> tuple[str, str, str | None] | None:
    """(alert kind, message, entry uuid) for a record that raises an alert."""
    if kind not in ("alert", "gate_entry"):
        return None
    try:
        body = json.loads(body_text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if kind == "alert":
        entry = body.get("entry_uuid")
        return str(body.get("kind") or "alert")[:40], str(body.get("message") or "")[:500], str(entry)[:36] if entry else None
    if body.get("colour") == "red":
        return "red-code", f"red health code at the gate ({body.get('direction', '?')}, {body.get('id_masked') or 'no ID'})", None
    return None


def community_of(conn: Connection, device_id: str) -> str:
    """A gate's community: the console's assignment when there is one, else the one it enrolled into."""
    from sync.server.console.scope import device_community_map

    mapped = device_community_map(conn).get(device_id)
    if mapped:
        return mapped
    return str(conn.execute(select(devices.c.community).where(devices.c.device_id == device_id)).scalar() or "default")


def _insert_ignore(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert the rows no other row already stands for (same uuid, or same entry and kind)."""
    if not rows:
        return 0
    ins: Any = postgresql.insert(alerts) if conn.dialect.name == "postgresql" else sqlite.insert(alerts)
    done = 0
    for row in rows:  # one by one: a conflict on one must not drop the others
        done += len(conn.execute(ins.values(**row).on_conflict_do_nothing().returning(alerts.c.record_uuid)).all())
    return done


def _row(record_uuid: str, device_id: str | None, community: str, kind: str, message: str, entry_uuid: str | None,
         source: str, created_at: str, received_at: str, notify: bool) -> dict[str, Any]:
    return {"record_uuid": record_uuid, "device_id": device_id, "community": community, "kind": kind[:40],
            "message": message[:500], "entry_uuid": entry_uuid, "source": source, "created_at": created_at,
            "received_at": received_at, "state": "new", "notify_state": "pending" if notify else "none",
            "notify_next_at": received_at if notify else None}


def from_lane(conn: Connection, device_id: str, record_uuid: str, created_at: str, body_text: str, now: str,
              notify: bool) -> bool:
    """An alert record sent ahead of the batches. True when it is new here."""
    found = _alert_body("alert", body_text)
    if found is None:
        raise ValueError("the alert body is not a JSON object")
    kind, message, entry = found
    row = _row(record_uuid, device_id, community_of(conn, device_id), kind, message, entry, "lane", created_at, now, notify)
    return _insert_ignore(conn, [row]) == 1


def from_records(conn: Connection, device_id: str, recs: Iterable[Any], now: str, notify: bool) -> int:
    """Alerts in or derived from freshly stored records (anything with .uuid .kind .body .created_at)."""
    rows: list[dict[str, Any]] = []
    community: str | None = None
    for r in recs:
        if r.kind not in ("alert", "gate_entry") or (r.kind == "gate_entry" and '"red"' not in r.body):
            continue  # the cheap test first: most gate entries raise nothing
        found = _alert_body(r.kind, r.body)
        if found is None:
            continue
        community = community or community_of(conn, device_id)
        kind, message, entry = found
        rows.append(_row(r.uuid, device_id, community, kind, message, entry if r.kind == "alert" else r.uuid, "batch",
                         r.created_at, now, notify))
    # Alert records first: a red-code alert the kiosk raised stands for its gate entry's derived one.
    rows.sort(key=lambda row: row["entry_uuid"] == row["record_uuid"])
    return _insert_ignore(conn, rows)


def raise_server_alert(conn: Connection, alert_id: str, community: str, kind: str, message: str, created_at: str,
                       notify: bool) -> bool:
    """An alert the server raises itself (health monitoring); `alert_id` makes it once only."""
    return _insert_ignore(conn, [_row(alert_id, None, community, kind, message, None, "server", created_at, utc_iso(), notify)]) == 1


def listing(conn: Connection, state: str | None = None, community: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    q = select(alerts).order_by(alerts.c.created_at.desc()).limit(limit)
    if state:
        q = q.where(alerts.c.state == state)
    if community:
        q = q.where(alerts.c.community == community)
    return [_public(r._mapping) for r in conn.execute(q)]


def _public(m: Any) -> dict[str, Any]:
    keep = ("record_uuid", "device_id", "community", "kind", "message", "entry_uuid", "source", "created_at", "received_at",
            "state", "acked_by", "acked_at", "ack_note", "closed_by", "closed_at", "close_note", "notify_state")
    return {k: m[k] for k in keep}


def get(conn: Connection, record_uuid: str) -> dict[str, Any] | None:
    row = conn.execute(select(alerts).where(alerts.c.record_uuid == record_uuid)).first()
    return None if row is None else _public(row._mapping)


def acknowledge(conn: Connection, record_uuid: str, by: str, note: str = "") -> bool:
    """new -> acknowledged. False when there is no such alert or it was already acknowledged or closed."""
    done = conn.execute(update(alerts).where(alerts.c.record_uuid == record_uuid, alerts.c.state == "new")
                        .values(state="acknowledged", acked_by=by, acked_at=utc_iso(), ack_note=note))
    return done.rowcount == 1


def close(conn: Connection, record_uuid: str, by: str, note: str) -> bool:
    """new or acknowledged -> closed, with a note (an unacknowledged alert is acknowledged by the same person)."""
    at = utc_iso()
    row = conn.execute(select(alerts.c.state, alerts.c.acked_by).where(alerts.c.record_uuid == record_uuid)).first()
    if row is None or row.state == "closed":
        return False
    values: dict[str, Any] = {"state": "closed", "closed_by": by, "closed_at": at, "close_note": note}
    if row.state == "new":
        values |= {"acked_by": by, "acked_at": at}
    return conn.execute(update(alerts).where(alerts.c.record_uuid == record_uuid, alerts.c.state != "closed").values(**values)).rowcount == 1


def open_count(conn: Connection, community: str, start: str, end: str) -> int:
    """Alerts of a community created in [start, end) that are not closed."""
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(alerts).where(
        alerts.c.community == community, alerts.c.created_at >= start, alerts.c.created_at < end, alerts.c.state != "closed")).scalar() or 0)
