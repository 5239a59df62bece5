"""The server's sync log: one row per device request, accepted or refused."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from sync.protocol import utc_now_iso
from sync.server.devices.refusals import storable
from sync.server.records.tables import sync_log

MESSAGE_MAX = 500


def log_attempt(
    engine: Engine, device_id: str | None, endpoint: str, status: int, nbytes: int, started: float, *,
    batch_id: str | None = None, records: int = 0, stored: int = 0, error_code: str | None = None, message: str | None = None,
) -> None:
    with engine.begin() as conn:
        write_attempt(conn, device_id, endpoint, status, nbytes, started, batch_id=storable(batch_id, 36), records=records, stored=stored,
                      error_code=error_code, message=message)


def write_attempt(
    conn: Connection, device_id: str | None, endpoint: str, status: int, nbytes: int, started: float, *,
    batch_id: str | None = None, records: int = 0, stored: int = 0, error_code: str | None = None, message: str | None = None,
) -> None:
    """The same row inside the caller's transaction (a batch and its log row commit together)."""
    conn.execute(insert(sync_log).values(
        at=utc_now_iso(), device_id=(device_id or "")[:64] or None, endpoint=endpoint, batch_id=storable(batch_id, 36), records=records,
        stored=stored, bytes=nbytes, duration_ms=round((time.perf_counter() - started) * 1000, 2), status=status,
        error_code=error_code, message=storable(message, MESSAGE_MAX),
    ))


def read_log(engine: Engine, device_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(sync_log).order_by(sync_log.c.id.desc()).limit(limit)
    if device_id:
        query = query.where(sync_log.c.device_id == device_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count_log(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(sync_log)).scalar() or 0)
