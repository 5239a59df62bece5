"""DutyPort and StatusPort over the duty roster, the outbox and the sync log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kiosk.ui.adapters.gate import field_errors
from kiosk.ui.ports import DutyView, FormResult, StatusView
from sync.upload_state import upload_state

if TYPE_CHECKING:
    from kiosk.service.duty import DutyRoster
    from kiosk.service.modes import ModeInfo
    from kiosk.store.db import Store

# the guard form's fields are named guard_*; the roster names them without the prefix
_FIELDS = {"name": "guard_name", "pin": "guard_pin", "": ""}


class DutyAdapter:
    """kiosk.ui.ports.DutyPort over kiosk.service.duty.DutyRoster."""

    def __init__(self, roster: DutyRoster) -> None:
        self.roster = roster

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

    def __init__(self, store: Store, mode: Callable[[], ModeInfo], duty: DutyAdapter) -> None:
        self.store = store
        self.mode = mode  # GateService.mode: the effective mode (admin switch or bundle)
        self.duty = duty

    def snapshot(self) -> StatusView:
        up = upload_state(self.store.db)  # the same reading `kiosk sync status` and the admin screen give
        return StatusView(
            online=up.online, last_sync_at=up.last_upload_at or "", revoked=bool(up.revoked_at),
            pending_uploads=up.pending, failed_uploads=up.failed,
            mode=str(self.mode().mode), duty=self.duty.on_duty(),
        )
