"""The gates' own daily (and zero) reports as the kiosks filed them, listed for the admin API
(/admin/reports) and `kiosk-central reports`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from sync.server.reports.tables import reports


def report_list(engine: Engine, date: str | None = None) -> list[dict[str, Any]]:
    query = select(reports.c.report_id, reports.c.device_id, reports.c.date, reports.c.kind, reports.c.received_at).order_by(reports.c.received_at)
    if date:
        query = query.where(reports.c.date == date)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
