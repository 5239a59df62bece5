"""Counting a day of gate entries per gate, in SQL (grouped by gate, hour, direction, outcome, colour),
over console_gate_entries (the fields alerts.refresh copies), so a page never loads or parses record bodies. Shared by the overview and the daily report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from sync.common.daily_report import day_window as shared_day_window
from sync.server.alerts.tables import alerts
from sync.server.console.tables import gate_entries
from sync.server.console.web import TZ
from sync.server.settings import local_today

UTC_OFFSET_H = 8  # Asia/Shanghai has no daylight saving: the local hour is the UTC hour + 8


def day_window(day: date) -> tuple[str, str]:
    """The console's local day as UTC ISO bounds [start, end), in the form records' created_at uses
    (sorts as text): the shared day window (sync.common.daily_report) in the console's zone."""
    return shared_day_window(day, TZ.key)


def today() -> date:
    """Today in the console's zone."""
    return local_today(TZ.key)


@dataclass
class GateDay:
    entries: int = 0  # passes in
    exits: int = 0  # passes out
    denied: int = 0
    review: int = 0
    red: int = 0
    fevers: int = 0
    alerts_open: int = 0
    alerts_total: int = 0
    hourly_in: list[int] = field(default_factory=lambda: [0] * 24)
    hourly_out: list[int] = field(default_factory=lambda: [0] * 24)

    @property
    def occupancy(self) -> int:
        return max(0, self.entries - self.exits)

    @property
    def abnormal(self) -> bool:
        return bool(self.red or self.fevers or self.alerts_total)

    def as_row(self) -> dict[str, int]:
        return {"entries": self.entries, "exits": self.exits, "denied": self.denied, "review": self.review, "red_codes": self.red,
                "fevers": self.fevers, "alerts": self.alerts_total, "alerts_open": self.alerts_open}


def count_day(conn: Connection, device_ids: list[str], day: date) -> dict[str, GateDay]:
    out: dict[str, GateDay] = defaultdict(GateDay)
    for d in device_ids:
        out[d] = GateDay()
    if not device_ids:
        return out
    start, end = day_window(day)
    e = gate_entries.c
    hour = func.substr(e.created_at, 12, 2)
    # From the narrow copy alerts.refresh keeps, through its covering index: no record body is parsed here.
    q = (select(e.device_id, hour, e.direction, e.outcome, e.colour, func.count())
         .where(e.created_at >= start, e.created_at < end, e.device_id.in_(device_ids))
         .group_by(e.device_id, hour, e.direction, e.outcome, e.colour))
    for dev, utc_hour, dirn, outc, col, n in conn.execute(q):
        g = out[dev]
        local = (int(utc_hour) + UTC_OFFSET_H) % 24
        if outc == "pass":
            if dirn == "out":
                g.exits += n
                g.hourly_out[local] += n
            else:
                g.entries += n
                g.hourly_in[local] += n
        elif outc == "deny":
            g.denied += n
        else:
            g.review += n
        if col == "red":
            g.red += n
    aq = (select(alerts.c.device_id, alerts.c.kind, alerts.c.acked_at.is_(None), func.count())
          .where(alerts.c.created_at >= start, alerts.c.created_at < end, alerts.c.device_id.in_(device_ids))
          .group_by(alerts.c.device_id, alerts.c.kind, alerts.c.acked_at.is_(None)))
    for dev, kind, is_open, n in conn.execute(aq):
        g = out[dev]
        g.alerts_total += n
        g.alerts_open += n if is_open else 0
        if str(kind).startswith("fever"):
            g.fevers += n
    return out


def combine(days: dict[str, GateDay]) -> GateDay:
    total = GateDay()
    for g in days.values():
        for name in ("entries", "exits", "denied", "review", "red", "fevers", "alerts_open", "alerts_total"):
            setattr(total, name, getattr(total, name) + getattr(g, name))
        total.hourly_in = [a + b for a, b in zip(total.hourly_in, g.hourly_in, strict=True)]
        total.hourly_out = [a + b for a, b in zip(total.hourly_out, g.hourly_out, strict=True)]
    return total


