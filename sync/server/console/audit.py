"""The audit log: every change made in the console and every reveal of personal data (who, what, when)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from sync.protocol.clock import utc_iso
from sync.server.console.tables import audit_log


def audit(conn: Connection, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Written in the same transaction as the change it describes: no change without its entry."""
    conn.execute(insert(audit_log).values(at=utc_iso(timespec="seconds"), actor=actor, action=action, target=target[:200], detail=detail[:2000]))


def recent(conn: Connection, limit: int = 200, actor: str | None = None) -> list[dict[str, Any]]:
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    return [dict(r._mapping) for r in conn.execute(q)]
