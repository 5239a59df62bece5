"""Requests refused before any device was authenticated, kept apart from the sync log.

An unauthenticated caller can claim any device id, so its refusals must not appear in that
device's sync log; they are kept here by source address with the claimed id as a claim, and the
table is bounded (the newest KEEP rows) so a flood cannot fill the disk.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select

from sync.protocol import utc_now_iso
from sync.server.devices.tables import refused_requests

KEEP = 10_000
TRIM_EVERY = 100  # rows between two trims
MESSAGE_MAX = 500


def storable(text: str | None, limit: int) -> str | None:
    """Text safe for either database: no NUL, no unpaired surrogate, at most `limit` characters."""
    if not text:
        return None
    clean = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return clean[:limit]


def log_refusal(engine: Engine, source: str, claimed_device: str | None, endpoint: str, status: int,
                error_code: str | None, message: str | None) -> None:
    with engine.begin() as conn:
        row_id = conn.execute(insert(refused_requests).values(
            at=utc_now_iso(), source=storable(source, 64) or "?", claimed_device=storable(claimed_device, 64), endpoint=endpoint[:40],
            status=status, error_code=error_code, message=storable(message, MESSAGE_MAX),
        ).returning(refused_requests.c.id)).scalar_one()
        if row_id % TRIM_EVERY == 0:
            conn.execute(delete(refused_requests).where(refused_requests.c.id <= row_id - KEEP))


def read_refusals(engine: Engine, source: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(refused_requests).order_by(refused_requests.c.id.desc()).limit(limit)
    if source:
        query = query.where(refused_requests.c.source == source)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
