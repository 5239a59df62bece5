"""Lockdown mode and facility occupancy, both kept in kiosk_state so a restart keeps them.

Mode sources: the settings (`policy.mode`), the admin screen (state.MODE_ADMIN) and the
central bundle (state.MODE_FROM_BUNDLE, written by the sync bundle apply). Lockdown in
the settings always holds; otherwise the most recent of admin and bundle wins, so a
newer bundle can close the gate again after an admin opened it and vice versa.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from kiosk.domain.models import Mode
from kiosk.store import state


@dataclass(frozen=True)
class ModeInfo:
    mode: Mode
    source: str  # 'settings', 'admin', 'bundle' or 'default'
    since: str = ""


def effective_mode(db: Any, configured: str) -> ModeInfo:
    if configured == Mode.LOCKDOWN:
        return ModeInfo(Mode.LOCKDOWN, "settings")
    candidates = []
    for key, source in ((state.MODE_ADMIN, "admin"), (state.MODE_FROM_BUNDLE, "bundle")):
        got = state.get(db, key)
        if got and got[0] in (Mode.NORMAL, Mode.LOCKDOWN):
            candidates.append((got[1], source, Mode(got[0])))
    if not candidates:
        return ModeInfo(Mode.NORMAL, "default")
    since, source, mode = max(candidates)
    return ModeInfo(mode, source, since)


@dataclass(frozen=True)
class Occupancy:
    current: int
    capacity: int  # 0 = no limit

    @property
    def full(self) -> bool:
        return self.capacity > 0 and self.current >= self.capacity


def period_start(now: dt.datetime, tz: str, reset_hour: int) -> str:
    """The last local reset time at or before now, as UTC ISO (the counting period's key)."""
    local = now.astimezone(zoneinfo.ZoneInfo(tz))
    start = local.replace(hour=reset_hour, minute=0, second=0, microsecond=0)
    if start > local:
        start -= dt.timedelta(days=1)
    return start.astimezone(dt.UTC).isoformat()


def current_occupancy(db: Any, period: str) -> int:
    got = state.get(db, state.OCCUPANCY)
    if not got:
        return 0
    data = json.loads(got[0])
    return int(data["count"]) if data.get("period") == period else 0


def add_occupancy(db: Any, period: str, delta: int, at: str) -> int:
    """Inside the caller's transaction: count in (+1) or out (-1); never below zero."""
    count = max(0, current_occupancy(db, period) + delta)
    state.put(db, state.OCCUPANCY, json.dumps({"period": period, "count": count}), at)
    return count
