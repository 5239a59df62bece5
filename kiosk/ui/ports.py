"""What the screens need from the rest of the kiosk, as small Protocols.

The screens call these only (through the UiWorker, never on the Kivy thread). The
adapters in kiosk/ui/adapters/ implement them over the service layer (GateService,
AdminPin, reports), the devices (camera, decoder) and the sync status. Keeping the
screens on these few methods keeps them thin and lets each part change behind them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from kiosk.domain.models import Colour, Outcome, Reason


@dataclass(frozen=True)
class CodeView:
    """A code (or ID number) checked, before anything is recorded."""

    handle: Any  # the service's own object for this pass, handed back on admit
    format: str
    status: str
    colour: Colour
    colour_source: str
    name_masked: str = ""
    id_masked: str = ""
    needs_attestation: bool = False  # offline opaque token: the guard attests the colour seen
    lane: str = "scan"  # 'scan', 'id-number', 'roster' or 'none'
    person_label: str = ""  # the roster resident (or visitor) it belongs to, masked
    candidates: tuple[tuple[str, str], ...] = ()  # (person uuid, label): residents the code may belong to
    pick_roster: bool = False  # lockdown, nobody matched: the guard may pick from the roster
    offline_registration: bool = False  # no-smartphone lane without the platform's answer
    rechecked: bool = False  # the check was too old when recording: done again, nothing recorded yet

    @property
    def needs_pick(self) -> bool:
        return not self.person_label and (bool(self.candidates) or self.pick_roster)


@dataclass(frozen=True)
class RosterEntry:
    """One resident in the quick roster pick (building / unit / room, then name)."""

    person_uuid: str
    building: str
    unit: str
    room: str
    name_masked: str


@dataclass(frozen=True)
class TemperatureStep:
    """What the typed readings mean so far (the workflow's re-measure flow)."""

    verdict: str  # kiosk.domain.temperature.Verdict value
    done: bool  # True = readings are final (normal or confirmed fever)
    next_method: str = "infrared"  # which thermometer to use next
    remeasure_at: Any = None  # UTC datetime before which a fever re-measure does not count (countdown)


@dataclass(frozen=True)
class ResultView:
    record_uuid: str
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    name_masked: str = ""
    id_masked: str = ""
    temperature_c: float | None = None
    colour: Colour = Colour.NONE
    overridden: bool = False
    duty_phone: str = ""  # shown when a person under home isolation is stopped: whom to call


@dataclass(frozen=True)
class FormResult:
    """A form sent to the service: either saved (record_uuid) or per-field errors."""

    record_uuid: str = ""
    errors: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # field -> (Chinese, English) message
    person_uuid: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.record_uuid)


@dataclass(frozen=True)
class DutyView:
    names: tuple[str, ...] = ()
    phone: str = ""  # the duty phone (shown in full: the notice asks for it to be public)


@dataclass(frozen=True)
class StatusView:
    online: bool | None = None  # None = never tried
    revoked: bool = False  # the server revoked this gate for good (sync.revoked): nothing is sent, records kept
    last_sync_at: str = ""  # ISO UTC of the last successful upload
    pending_uploads: int = 0
    failed_uploads: int = 0
    mode: str = "normal"
    duty: DutyView = DutyView()


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    tries_left: int = 0
    locked_until: str = ""  # ISO UTC; non-empty = locked out
    not_set: bool = False  # no PIN yet: `kiosk admin set-pin` first
    admin_unlock: bool = False  # locked after too many wrong tries in a row: `kiosk admin unlock-admin`


# A temperature reading as the screens hold it: (°C, method, when taken as a UTC datetime or None)
ReadingTuple = tuple[Any, ...]


@dataclass(frozen=True)
class UsbInfo:
    present: bool  # the export folder exists (the stick is mounted)
    free_bytes: int


@dataclass(frozen=True)
class ExportDone:
    path: str
    name: str  # the file's name, as the admin will find it on the stick
    rows: int


class GatePort(Protocol):
    def check_code(self, payload: str, source: str, person_uuid: str = "") -> CodeView: ...
    def check_id(self, id_number: str, doc_type: str = "cn-id", source: str = "typed") -> CodeView: ...
    def pick(self, code: CodeView, person_uuid: str) -> CodeView: ...
    def roster(self) -> Sequence[RosterEntry]: ...
    def temperature_step(self, readings: Sequence[ReadingTuple]) -> TemperatureStep: ...
    def admit(
        self,
        code: CodeView | None,
        readings: Sequence[ReadingTuple],
        attested: Colour | None = None,
        person_uuid: str = "",
        direction: str = "in",
    ) -> ResultView | CodeView: ...  # a CodeView (rechecked=True) = the check was redone, nothing recorded
    def override(self, record_uuid: str, reason: str, pin: str) -> ResultView: ...
    def refer_to_fever_clinic(self, record_uuid: str, reason: str, pin: str) -> ResultView: ...
    def register_visitor(self, form: Mapping[str, Any]) -> FormResult: ...
    def risk_areas(self) -> Sequence[tuple[str, str]]: ...


class DutyPort(Protocol):
    def on_duty(self) -> DutyView: ...
    def guards(self) -> Sequence[str]: ...
    def sign_in(self, name: str, pin: str) -> FormResult: ...
    def sign_out(self, name: str) -> None: ...


class StatusPort(Protocol):
    def snapshot(self) -> StatusView: ...


class AdminPort(Protocol):
    def verify_pin(self, pin: str) -> PinCheck: ...
    def sync_status(self) -> Mapping[str, Any]: ...  # sync.status.sync_status, as `kiosk sync status`
    def sync_log(self, limit: int = 200, outcome: str | None = None) -> Sequence[Mapping[str, Any]]: ...
    def sync_now(self) -> bool: ...
    def retry_parked(self) -> int: ...
    def pending_groups(self) -> Sequence[Mapping[str, Any]]: ...
    def pending_records(self, limit: int = 50) -> Sequence[Mapping[str, Any]]: ...
    def set_lockdown(self, on: bool) -> str: ...
    def key_groups(self) -> Sequence[Mapping[str, Any]]: ...
    def report_days(self) -> Sequence[str]: ...
    def daily_report(self, day: str | None = None) -> Mapping[str, Any]: ...
    def usb_info(self, folder: str) -> UsbInfo: ...
    def export(self, folder: str, first: str = "", last: str = "", fmt: str = "csv") -> ExportDone: ...
    def settings(self) -> Sequence[tuple[str, str, str]]: ...


class FrameSource(Protocol):
    """The newest camera frame (BGR) or None; never blocks."""

    def latest(self) -> tuple[int, np.ndarray] | None: ...
    def state(self) -> str: ...  # "ok", "lost", "off"
