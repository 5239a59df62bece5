"""GatePort over the workflow's GateService.

The screens show a code's result before the temperature is typed, and the service
records the pass after it. So that a code is verified (and a cn-token asked online)
only once per pass, the service gets a remembering verify function: the result of
`check_code` is reused by `pass_gate` for the same text within a short window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kiosk.domain.models import (
    CodeChecker,
    CodeFormat,
    CodeStatus,
    Colour,
    ColourSource,
    Direction,
    PlatformAnswer,
    Reason,
    VerificationResult,
)
from kiosk.domain.temperature import Measurement, Method, Verdict
from kiosk.ui.ports import CodeView, FormResult, ResultView, TemperatureStep

REUSE_SECONDS = 120.0  # a pass rarely takes longer; after that a code is verified afresh

Verify = Callable[[str], VerificationResult]


class Remembered:
    """Keeps the answer of the pass in hand, by key, for at most REUSE_SECONDS; thread-safe.

    `fresh` always asks anew (a new pass: trust or the platform's answer may have changed
    since the last time this code was seen) and remembers; `get_or` reuses that answer.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get_or(self, key: Any, make: Callable[[], Any]) -> Any:
        now = self._clock()
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if now - v[0] < REUSE_SECONDS}
            if key in self._items:
                return self._items[key][1]
        return self.fresh(key, make)

    def forget(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)

    def fresh(self, key: Any, make: Callable[[], Any]) -> Any:
        value = make()
        with self._lock:
            self._items[key] = (self._clock(), value)
        return value


class RememberingChecker:
    """A CodeChecker that asks the platform once per ID number / code per pass."""

    def __init__(self, inner: CodeChecker) -> None:
        self.inner = inner
        self.memo = Remembered()

    def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
        return self.memo.get_or(("check", qr_text, id_number), lambda: self.inner.check(qr_text=qr_text, id_number=id_number))

    def check_fresh(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
        return self.memo.fresh(("check", qr_text, id_number), lambda: self.inner.check(qr_text=qr_text, id_number=id_number))


class RememberingVerify:
    """The verify function the GateService gets: the screens' `check_code` verifies afresh,
    the service's `pass_gate` for the same pass reuses that result."""

    def __init__(self, verify: Verify, checker: RememberingChecker | None = None) -> None:
        self.inner = verify
        self.checker = checker
        self.memo = Remembered()

    def __call__(self, text: str) -> VerificationResult:
        return self.memo.get_or(text, lambda: self.inner(text))

    def fresh(self, text: str) -> VerificationResult:
        if self.checker is not None:  # a cn-token seen before is asked about again
            self.checker.memo.forget(("check", text, None))
        return self.memo.fresh(text, lambda: self.inner(text))


def remembering_verify(verify: Verify, checker: RememberingChecker | None = None) -> RememberingVerify:
    return RememberingVerify(verify, checker)


def field_errors(exc: Exception) -> dict[str, tuple[str, str]]:
    """The workflow's InvalidInput as field -> (zh, en); anything else as a general error."""
    errors = getattr(exc, "errors", None)
    if errors:
        return {e.field: (e.zh, e.en) for e in errors}
    return {"": (getattr(exc, "zh", str(exc)), getattr(exc, "en", str(exc)))}


class GateAdapter:
    def __init__(self, service: Any, checker: CodeChecker | None, after_commit: Callable[[], None] = lambda: None) -> None:
        self.service = service  # kiosk.service.gate.GateService built with remembering_verify
        self.checker = checker
        self.after_commit = after_commit  # wakes the sync worker: a new record is waiting
        self._results: dict[str, ResultView] = {}

    def check_code(self, payload: str, source: str) -> CodeView:
        verify = self.service.verify
        r: VerificationResult = verify.fresh(payload) if isinstance(verify, RememberingVerify) else verify(payload)
        return CodeView(
            handle=("qr", payload), format=str(r.format), status=str(r.status), colour=r.colour,
            colour_source=str(r.colour_source), name_masked=r.holder_name_masked, id_masked=r.id_masked,
            needs_attestation=r.status is CodeStatus.UNVERIFIED,
        )

    def check_id(self, id_number: str) -> CodeView:
        from kiosk.domain.identity import DocType, validate_id
        from kiosk.domain.masking import mask_id
        from kiosk.domain.report import local_day
        from kiosk.service.common import InvalidInput

        check = validate_id(DocType.CN_ID, id_number, local_day(self.service.clock(), self.service.tz))
        if not check.ok:
            raise InvalidInput(check.errors)
        checker = self.checker
        if isinstance(checker, RememberingChecker):
            answer = checker.check_fresh(id_number=check.number)
        else:
            answer = checker.check(id_number=check.number) if checker else None
        colour = answer.colour if answer else Colour.NONE
        return CodeView(
            handle=("id", check.number), format=str(CodeFormat.CN_TOKEN),
            status=str(CodeStatus.VALID if answer else CodeStatus.UNVERIFIED), colour=colour,
            colour_source=str(ColourSource.ONLINE if answer else ColourSource.NONE),
            name_masked=answer.name_masked if answer else "", id_masked=mask_id(check.number),
            needs_attestation=answer is None,
        )

    def temperature_step(self, readings: Sequence[tuple[float, str]]) -> TemperatureStep:
        verdict = self.service.assess(_measurements(readings))
        done = verdict in (Verdict.NORMAL, Verdict.FEVER_CONFIRMED)
        nxt = Method.CONTACT if verdict is Verdict.REMEASURE_FEVER else Method.INFRARED
        return TemperatureStep(str(verdict), done, str(nxt))

    def admit(
        self, code: CodeView | None, readings: Sequence[tuple[float, str]], attested: Colour | None = None,
        person_uuid: str = "", direction: str = "in",
    ) -> ResultView:
        from kiosk.service.gate import GateRequest

        kind, value = code.handle if code is not None else ("", "")
        req = GateRequest(
            direction=Direction(direction), qr_text=value if kind == "qr" else None,
            id_number=value if kind == "id" else None, person_uuid=person_uuid or None,
            attested_colour=attested, readings=_measurements(readings),
        )
        out = self.service.pass_gate(req)
        self.after_commit()
        person = out.person
        name = person.name_masked if person else (out.code.holder_name_masked if out.code else "")
        view = ResultView(
            record_uuid=out.entry_uuid, outcome=out.decision.outcome, reasons=tuple(out.decision.reasons),
            name_masked=name, id_masked=out.id_masked, temperature_c=out.temperature_c, colour=out.colour,
            duty_phone=out.duty_phone if Reason.HOME_ISOLATION in out.decision.reasons else "",
        )
        self._results = {out.entry_uuid: view}
        return view

    def override(self, record_uuid: str, reason: str, pin: str) -> ResultView:
        return self._handled(record_uuid, self.service.override(record_uuid, reason, pin))

    def refer_to_fever_clinic(self, record_uuid: str, reason: str, pin: str) -> ResultView:
        return self._handled(record_uuid, self.service.refer_to_fever_clinic(record_uuid, reason, pin))

    def _handled(self, record_uuid: str, decision: Any) -> ResultView:
        self.after_commit()
        before = self._results.get(record_uuid, ResultView(record_uuid, decision.outcome))
        return ResultView(
            record_uuid=record_uuid, outcome=decision.outcome, reasons=tuple(decision.reasons),
            name_masked=before.name_masked, id_masked=before.id_masked, temperature_c=before.temperature_c,
            colour=before.colour, overridden=True,
        )

    def register_visitor(self, form: Mapping[str, Any]) -> FormResult:
        from kiosk.service.people import VisitorForm

        groups = set(form.get("key_groups", ()))
        vf = VisitorForm(
            name=form.get("name", ""), phone=form.get("phone", ""), id_type=form.get("doc_type", "cn-id"),
            id_number=form.get("id_number", ""), origin_region=form.get("origin_region", ""),
            reason=form.get("reason", ""), host_building=form.get("host_building", ""),
            host_unit=form.get("host_unit", ""), host_room=form.get("host_room", ""),
            risk_area_14d="risk-area-14d" in groups, inbound="inbound" in groups,
            cold_chain="cold-chain" in groups, released="released-or-recovered" in groups,
        )
        try:
            visitor = self.service.register_visitor(vf)
        except ValueError as exc:
            return FormResult(errors=field_errors(exc))
        self.after_commit()
        return FormResult(record_uuid=visitor.record_uuid, person_uuid=visitor.person.uuid)


    def risk_areas(self) -> list[tuple[str, str]]:
        """The listed risk areas as (region code, level), for the visitor form's place picker."""
        rows = self.service.store.db.execute("select region_code, level from risk_areas").fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]


def _measurements(readings: Sequence[tuple[float, str]]) -> tuple[Measurement, ...]:
    return tuple(Measurement(v, Method(m)) for v, m in readings)
