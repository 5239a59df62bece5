"""AdminPort: the PIN, sync status and log, pending records, lockdown, key groups, report, export."""

from __future__ import annotations

import datetime as dt
import shutil
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.domain.models import Mode
from kiosk.store.outbox_state import OutboxState
from kiosk.ui.ports import ExportDone, PinCheck, UsbInfo

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.service.admin_pin import AdminPin
    from kiosk.service.gate import GateService
    from kiosk.store.db import Store

REPORT_DAYS = 14  # the previous days the report tab offers
EXPORT_FORMATS = ("csv", "xlsx")
MAX_EXPORT_DAYS = 366


class AdminAdapter:
    """kiosk.ui.ports.AdminPort over the store, the settings, the admin PIN and the gate service."""

    def __init__(
        self, store: Store, cfg: Config, pin: AdminPin, gate: GateService, *,
        report: Callable[[dt.date], Mapping[str, Any]] | None = None,
        export: Callable[[Path, dt.date, dt.date, str], tuple[Path, int]] | None = None,
        sync_now: Callable[[], None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store, self.cfg, self.pin, self.gate = store, cfg, pin, gate
        self._report = report
        self._export = export
        self._sync_now = sync_now
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.tz = zoneinfo.ZoneInfo(cfg["kiosk.timezone"])

    def verify_pin(self, pin: str) -> PinCheck:
        from kiosk.service.admin_pin import PinStatus

        r = self.pin.verify(pin)
        if r.status is PinStatus.NOT_SET:
            return PinCheck(ok=False, not_set=True)
        return PinCheck(ok=r.ok, tries_left=r.tries_left, locked_until=r.locked_until.isoformat() if r.locked_until else "",
                        admin_unlock=r.status is PinStatus.LOCKED and r.locked_until is None)

    # -- sync --------------------------------------------------------------------------------
    def sync_status(self) -> Mapping[str, Any]:
        """The same status `kiosk sync status` prints (sync.status.sync_status), and the gate's clock."""
        from sync.status import sync_status

        return sync_status(self.cfg, self.store, now=self._clock())

    def sync_log(self, limit: int = 200, outcome: str | None = None) -> Sequence[Mapping[str, Any]]:
        from sync.status import log_rows

        return log_rows(self.store, limit, outcome)

    def sync_now(self) -> bool:
        """Wake the sync worker; False when this gate has none (not provisioned)."""
        if self._sync_now is None:
            return False
        self._sync_now()
        return True

    def retry_parked(self) -> int:
        from sync.outbox import Outbox

        n = Outbox(self.store).requeue_failed()
        self.sync_now()
        return n

    def pending_groups(self) -> Sequence[Mapping[str, Any]]:
        from sync.status import pending_by_kind

        return pending_by_kind(self.store)

    def pending_records(self, limit: int = 50) -> Sequence[Mapping[str, Any]]:
        return list(self.store.db.query(
            "select o.seq, j.kind, j.created_at, o.state, o.attempts, o.last_error from outbox o"
            " join journal j on j.seq = o.seq where o.state != ? order by o.seq limit ?", [OutboxState.SENT, limit]
        ))

    # -- lockdown and lists ------------------------------------------------------------------
    def set_lockdown(self, on: bool) -> str:
        guard = self.gate.duty.current_guard() or "admin"
        return str(self.gate.set_mode(Mode.LOCKDOWN if on else Mode.NORMAL, guard).mode)

    def key_groups(self) -> Sequence[Mapping[str, Any]]:
        from kiosk.service.people import key_group_people

        return [
            {"name": p.name_masked, "id_masked": p.id_masked, "groups": ",".join(p.key_groups), "origin": p.origin_region}
            for p in key_group_people(self.store.db)
        ]

    # -- daily report ------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self._clock().astimezone(self.tz).date()

    def report_days(self) -> Sequence[str]:
        """Today and the REPORT_DAYS - 1 days before it, newest first (local days)."""
        today = self.today()
        return [str(today - dt.timedelta(days=i)) for i in range(REPORT_DAYS)]

    def daily_report(self, day: str | None = None) -> Mapping[str, Any]:
        """The report of a local day (today if None), with entries and exits per local hour."""
        if self._report is None:
            return {}
        when = dt.date.fromisoformat(day) if day else self.today()
        return {**self._report(when), "hourly": self.hourly(when)}

    def hourly(self, day: dt.date) -> list[tuple[int, int]]:
        """(entries, exits) for each of the day's 24 local hours."""
        from kiosk.domain.report import day_window

        start, end = day_window(day, str(self.tz))
        out = [[0, 0] for _ in range(24)]
        for at, direction in self.store.db.execute(
            "select created_at, direction from gate_entries where created_at >= ? and created_at < ?", [start, end]
        ):
            hour = dt.datetime.fromisoformat(at).astimezone(self.tz).hour
            out[hour][0 if direction == "in" else 1] += 1
        return [(a, b) for a, b in out]

    # -- export ------------------------------------------------------------------------------
    def usb_info(self, folder: str) -> UsbInfo:
        target = Path(folder.strip()).expanduser() if folder.strip() else None
        if target is None or not target.is_dir():
            return UsbInfo(present=False, free_bytes=0)
        return UsbInfo(present=True, free_bytes=shutil.disk_usage(target).free)

    def export(self, folder: str, first: str = "", last: str = "", fmt: str = "csv") -> ExportDone:
        """Gate entries of [first, last] (local days, YYYY-MM-DD) into `folder`, masked."""
        if not folder.strip():
            raise ValueError("choose a folder / 请选择导出目录")
        target = Path(folder).expanduser()
        if not target.is_dir():
            raise ValueError(f"{target} is not a mounted folder / 目录不存在（U盘未插入？）")
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"format must be csv or xlsx, not {fmt!r} / 格式只能是 CSV 或 XLSX")
        try:
            start = dt.date.fromisoformat(first) if first else self.today()
            end = dt.date.fromisoformat(last) if last else self.today()
        except ValueError:
            raise ValueError(f"dates are written YYYY-MM-DD, not {first!r} / {last!r} / 日期格式应为 YYYY-MM-DD") from None
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start}) / 结束日期早于开始日期")
        if (end - start).days >= MAX_EXPORT_DAYS:
            raise ValueError(f"at most {MAX_EXPORT_DAYS} days at once / 一次最多导出 {MAX_EXPORT_DAYS} 天")
        if self._export is None:
            raise ValueError("export is not available / 导出功能不可用")
        path, rows = self._export(target, start, end, fmt)
        return ExportDone(path=str(path), name=Path(path).name, rows=rows)

    def settings(self) -> Sequence[tuple[str, str, str]]:
        return [(name, repr(self.cfg[name]), self.cfg.sources.get(name, "")) for name in self.cfg]
