"""The console's view of the server's alerts (owner: sync/server/alerts.py, table `alerts`).

Alerts are written when they arrive (the kiosks' priority lane, or ingest of a batch), so the console
only reads them and acknowledges them through the owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, select

from sync.server import alerts as store
from sync.server.tables import alerts

alert_of = store.alert_of


def refresh(engine: Engine) -> int:
    """Kept for the pages' call sites: alerts are stored at arrival, nothing is left to derive."""
    return 0


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
