"""DutyPort and StatusPort over the duty roster, the outbox and the sync log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk.store import state
from kiosk.ui.adapters.gate import field_errors
from kiosk.ui.ports import DutyView, FormResult, StatusView

# the guard form's fields are named guard_*; the roster names them without the prefix
_FIELDS = {"name": "guard_name", "pin": "guard_pin", "": ""}


class DutyAdapter:
    def __init__(self, roster: Any) -> None:
        self.roster = roster  # kiosk.service.duty.DutyRoster

    def on_duty(self) -> DutyView:
        duty = self.roster.on_duty()
        phone = next((d.duty_phone for d in duty if d.duty_phone), "")
        return DutyView(tuple(d.name for d in duty), phone)

    def guards(self) -> Sequence[str]:
        return list(self.roster.guard_names())

    def sign_in(self, name: str, pin: str) -> FormResult:
        """Only a guard on the admin's list, with their own PIN (a name typed here never adds one)."""
        try:
            duty = self.roster.sign_in(name, pin)
        except ValueError as exc:
            return FormResult(errors={_FIELDS.get(k, k): v for k, v in field_errors(exc).items()})
        return FormResult(record_uuid=duty.guard_uuid)

    def sign_out(self, name: str) -> None:
        self.roster.sign_out(name)


class StatusAdapter:
    """What the status bar shows; read from the kiosk's own tables, never from the network."""

    def __init__(self, store: Any, cfg: Any, mode: Any, duty: DutyAdapter) -> None:
        self.store = store
        self.cfg = cfg
        self.mode = mode  # () -> ModeInfo
        self.duty = duty

    def snapshot(self) -> StatusView:
        db = self.store.db
        counts = dict(db.execute("select state, count(*) from outbox where state != 'sent' group by state").fetchall())
        # the last upload, not a pull
        ok_at, err_at = state.value(db, state.SYNC_LAST_UPLOAD) or "", state.value(db, state.SYNC_LAST_ERROR_AT) or ""
        online = None if not (ok_at or err_at) else ok_at > err_at  # ISO UTC strings sort by time
        return StatusView(
            online=online, last_sync_at=ok_at, revoked=bool(state.value(db, state.DEVICE_REVOKED)),
            pending_uploads=counts.get("pending", 0) + counts.get("claimed", 0), failed_uploads=counts.get("failed", 0),
            mode=str(self.mode().mode), duty=self.duty.on_duty(),
        )
