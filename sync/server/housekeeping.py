"""Deleting what the server no longer needs: sync-log and refusal rows past their retention, and
rate-limit windows that have ended. Run when a worker starts, then at most once an hour."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete

from sync.protocol.clock import utc_iso
from sync.server.devices.tables import rate_counters, refused_requests
from sync.server.records.tables import sync_log

INTERVAL_S = 3600


@dataclass(frozen=True)
class Purged:
    sync_log: int
    refusals: int
    rate_windows: int


def purge(engine: Engine, retention_days: int, now: float | None = None) -> Purged:
    now = time.time() if now is None else now
    cutoff = utc_iso(datetime.fromtimestamp(now, UTC) - timedelta(days=retention_days), "milliseconds")
    with engine.begin() as conn:  # `at` is UTC ISO 8601 text of one format: it sorts as time
        logged = conn.execute(delete(sync_log).where(sync_log.c.at < cutoff)).rowcount
        refused = conn.execute(delete(refused_requests).where(refused_requests.c.at < cutoff)).rowcount
        windows = conn.execute(delete(rate_counters).where(rate_counters.c.expires_at <= now)).rowcount
    return Purged(int(logged), int(refused), int(windows))


class Schedule:
    """Per process: is a purge due? (Several workers purging now and then is harmless.)"""

    def __init__(self) -> None:
        self.last = 0.0

    def due(self, now: float) -> bool:
        if now - self.last < INTERVAL_S:
            return False
        self.last = now
        return True
