"""AdminPort: the PIN, sync log, pending records, lockdown, key groups, report, export."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kiosk.domain.models import Mode
from kiosk.ui.ports import PinCheck


class AdminAdapter:
    def __init__(
        self, store: Any, cfg: Any, pin: Any, gate: Any, *,
        report: Callable[[], Mapping[str, Any]] | None = None,
        export: Callable[[Path], Path] | None = None,
    ) -> None:
        self.store, self.cfg, self.pin, self.gate = store, cfg, pin, gate
        self._report = report
        self._export = export

    def verify_pin(self, pin: str) -> PinCheck:
        from kiosk.service.admin_pin import PinStatus

        r = self.pin.verify(pin)
        if r.status is PinStatus.NOT_SET:
            return PinCheck(ok=False, not_set=True)
        return PinCheck(ok=r.ok, tries_left=r.tries_left, locked_until=r.locked_until.isoformat() if r.locked_until else "",
                        admin_unlock=r.status is PinStatus.LOCKED and r.locked_until is None)

    def sync_log(self, limit: int = 50) -> Sequence[Mapping[str, Any]]:
        return list(self.store.db.query(
            "select at, direction, records, http_status, error from sync_log order by at desc, id desc limit ?", [limit]
        ))

    def pending_records(self, limit: int = 50) -> Sequence[Mapping[str, Any]]:
        return list(self.store.db.query(
            "select o.seq, j.kind, j.created_at, o.state, o.attempts, o.last_error from outbox o"
            " join journal j on j.seq = o.seq where o.state != 'sent' order by o.seq limit ?", [limit]
        ))

    def set_lockdown(self, on: bool) -> str:
        guard = self.gate.duty.current_guard() or "admin"
        return str(self.gate.set_mode(Mode.LOCKDOWN if on else Mode.NORMAL, guard).mode)

    def key_groups(self) -> Sequence[Mapping[str, Any]]:
        from kiosk.service.people import key_group_people

        return [
            {"name": p.name_masked, "id_masked": p.id_masked, "groups": ",".join(p.key_groups), "origin": p.origin_region}
            for p in key_group_people(self.store.db)
        ]

    def daily_report(self) -> Mapping[str, Any]:
        if self._report is None:
            return {}
        return self._report()

    def export(self, folder: str) -> str:
        target = Path(folder).expanduser()
        if not folder.strip():
            raise ValueError("choose a folder / 请选择导出目录")
        if not target.is_dir():
            raise ValueError(f"{target} is not a mounted folder / 目录不存在（U盘未插入？）")
        if self._export is None:
            raise ValueError("export is not available / 导出功能不可用")
        return str(self._export(target))

    def settings(self) -> Sequence[tuple[str, str, str]]:
        return [(name, repr(self.cfg[name]), self.cfg.sources.get(name, "")) for name in self.cfg]
