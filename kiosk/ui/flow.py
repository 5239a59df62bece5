"""One gate pass as the screens see it:
code -> (roster pick) -> (attest) -> temperature -> record -> result.

It holds the pass being handled, sends every service call through the UiWorker and
moves between screens when an answer comes back on the Kivy thread. Screens stay thin:
they show what the flow gives them and call the flow when the guard touches something.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.domain.models import Colour
from kiosk.ui.navigator import Navigator
from kiosk.ui.ports import CodeView, GatePort, ResultView, TemperatureStep
from kiosk.ui.worker import UiWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pass:
    code: CodeView | None = None
    readings: tuple[tuple[Any, ...], ...] = ()  # (°C, method, taken_at UTC datetime)
    readings_done: bool = False
    attested: Colour | None = None
    person_uuid: str = ""
    direction: str = "in"
    started: float = field(default_factory=time.perf_counter)


class GateFlow:
    def __init__(self, gate: GatePort, worker: UiWorker, nav: Navigator, *, ask_temperature: bool = True) -> None:
        self.gate = gate
        self.worker = worker
        self.nav = nav
        self.ask_temperature = ask_temperature
        self.current: Pass | None = None
        self.direction = "in"
        self.last_result: ResultView | None = None
        self.next_person = ""
        self.timings: list[float] = []  # code arrival -> result screen, seconds (benchmark)

    def expect_person(self, person_uuid: str) -> None:
        """The next pass belongs to this just-registered person (visitor form)."""
        self.next_person = person_uuid

    # --- inputs -------------------------------------------------------------
    def on_code(self, payload: str, source: str = "camera") -> None:
        """A code from the camera or a scanner (always called on the Kivy thread)."""
        if self.nav.current != "idle" or self.current is not None:
            return  # one person at a time; the decoder will see the code again
        self.current = Pass(direction=self.direction, person_uuid=self.next_person)
        self.next_person = ""
        p = self.current
        if self._needs_temperature():
            self.worker.submit(lambda: self.gate.check_code(payload, source, p.person_uuid), self._code_checked, self._failed)
            return
        # No keypad step: verify and record in one background job (one hand-over fewer),
        # unless the guard must pick the resident or attest an unverifiable code first.

        def check_and_admit() -> CodeView | ResultView:
            code = self.gate.check_code(payload, source, p.person_uuid)
            if code.needs_attestation or self._wants_pick(code):
                return code
            return self.gate.admit(code, p.readings, None, p.person_uuid, p.direction)

        self.worker.submit(check_and_admit, self._checked_or_recorded, self._failed)

    def _needs_temperature(self) -> bool:
        return self.ask_temperature and self.direction == "in"

    def _wants_pick(self, code: CodeView) -> bool:
        return code.needs_pick and self.direction == "in"

    def _checked_or_recorded(self, answer: CodeView | ResultView) -> None:
        if isinstance(answer, ResultView):
            self._recorded(answer)
        elif answer.rechecked:
            self._rechecked(answer)
        else:
            self._code_checked(answer)

    def on_id_number(self, id_number: str, on_error: Any, doc_type: str = "cn-id", source: str = "typed") -> None:
        """The no-smartphone lane: the guard typed (or the ID-card reader read) the ID number."""
        self.current = Pass(direction=self.direction)
        self.worker.submit(lambda: self.gate.check_id(id_number, doc_type, source), self._code_checked, on_error)

    def on_id_card(self, number: str) -> None:
        """An ID card on the reader: the no-smartphone lane with the number filled in and checked."""
        if self.nav.current not in ("idle", "nophone") or self.current is not None:
            return  # one person at a time
        self.nav.go("nophone", card_number=number)

    def _code_checked(self, code: CodeView) -> None:
        if self.current is None:
            return
        self.current = replace(self.current, code=code)
        if self._wants_pick(code):
            self.nav.go("pick", code=code)
        elif code.needs_attestation:
            self.nav.go("attest", code=code)
        else:
            self._after_code()

    def pick(self, person_uuid: str) -> None:
        """The guard picked the resident (roster pick); "" = not on the roster, go on without."""
        p = self.current
        if p is None or p.code is None:
            return
        code = p.code
        if not person_uuid:
            self.current = replace(p, code=replace(code, candidates=(), pick_roster=False))
            self._code_checked(self.current.code)  # type: ignore[arg-type]
            return
        self.worker.submit(lambda: self.gate.pick(code, person_uuid), self._code_checked, self._failed)

    def attest(self, colour: Colour | None) -> None:
        if self.current is None:
            return
        self.current = replace(self.current, attested=colour)
        self._after_code()

    def _after_code(self) -> None:
        p = self.current
        if self._needs_temperature() and not (p is not None and p.readings_done):
            self.nav.go("temperature", code=p.code if p else None)
        else:
            self._admit()

    def add_reading(self, value_c: float, method: str, on_step: Any, taken_at: Any = None) -> None:
        """A reading (typed or from the thermometer); `on_step(TemperatureStep)` says whether to re-measure."""
        if self.current is None:
            return
        import datetime as dt

        taken_at = taken_at or dt.datetime.now(dt.UTC)
        self.current = replace(self.current, readings=(*self.current.readings, (value_c, method, taken_at)))
        readings = self.current.readings

        def step_done(step: TemperatureStep) -> None:
            on_step(step)
            if step.done:
                self._readings_final()

        self.worker.submit(lambda: self.gate.temperature_step(readings), step_done, self._failed)

    def finish_readings(self) -> None:
        """The guard records the readings as they are (the person will not re-measure)."""
        if self.current is not None and self.current.readings:
            self._readings_final()

    def _readings_final(self) -> None:
        if self.current is not None:
            self.current = replace(self.current, readings_done=True)
        self._admit()

    def _admit(self) -> None:
        p = self.current
        if p is None:
            return
        self.worker.submit(
            lambda: self.gate.admit(p.code, p.readings, p.attested, p.person_uuid, p.direction),
            self._checked_or_recorded,
            self._failed,
        )

    def _rechecked(self, code: CodeView) -> None:
        """The check was too old to record: show the new result; the guard records it (or cancels)."""
        if self.current is None:
            return
        self.current = replace(self.current, code=code, attested=None)
        self.nav.go("rechecked", code=code)

    def confirm_recheck(self) -> None:
        p = self.current
        if p is None or p.code is None:
            return
        self.current = replace(p, code=replace(p.code, rechecked=False))
        self._code_checked(self.current.code)  # type: ignore[arg-type]

    def _recorded(self, result: ResultView) -> None:
        if self.current is not None:
            self.timings.append(time.perf_counter() - self.current.started)
        self.current = None
        self.direction = "in"
        self.last_result = result
        self.nav.go("result", result=result)

    def override(self, reason: str, pin: str, on_error: Any, *, refer: bool = False) -> None:
        """The guard on duty lets the last pass through (or refers a fever), PIN typed again."""
        result = self.last_result
        if result is None:
            return
        act = self.gate.refer_to_fever_clinic if refer else self.gate.override
        self.worker.submit(lambda: act(result.record_uuid, reason, pin), self._recorded, on_error)

    def cancel(self) -> None:
        self.current = None
        self.direction = "in"
        self.nav.home()

    def _failed(self, exc: BaseException) -> None:
        """Nothing was recorded: say so plainly and go back to scanning."""
        from kiosk.ui.lang import tr

        log.error("gate pass failed: %s", exc)
        self.current = None
        self.nav.go(
            "message",
            title=tr._("Not recorded"),
            text=tr._("Nothing was saved. Please try again or call the admin.") + "\n\n" + str(exc),
        )
