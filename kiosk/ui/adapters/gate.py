"""GatePort over the workflow's GateService: translation only.

`check_code` / `check_id` call GateService.check and hand its Checked object to the screen
inside the CodeView (`handle`); `admit` gives that same object back to GateService.admit,
so the pass records exactly the check the guard saw. No cache sits between the steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kiosk.domain.models import Colour, Direction, Reason
from kiosk.domain.temperature import Measurement, Method, Verdict
from kiosk.ui.ports import CodeView, FormResult, ReadingTuple, ResultView, RosterEntry, TemperatureStep

if TYPE_CHECKING:
    from kiosk.domain.policy import Decision
    from kiosk.service.checks import Checked
    from kiosk.service.gate import GateService
    from kiosk.service.people import PersonView


def field_errors(exc: Exception) -> dict[str, tuple[str, str]]:
    """The workflow's InvalidInput as field -> (zh, en); anything else as a general error."""
    errors = getattr(exc, "errors", None)
    if errors:
        return {e.field: (e.zh, e.en) for e in errors}
    return {"": (getattr(exc, "zh", str(exc)), getattr(exc, "en", str(exc)))}


class GateAdapter:
    """kiosk.ui.ports.GatePort over kiosk.service.gate.GateService."""

    def __init__(self, service: GateService, after_commit: Callable[[], None] = lambda: None) -> None:
        self.service = service
        self.after_commit = after_commit  # wakes the sync worker: a new record is waiting
        self._results: dict[str, ResultView] = {}

    def check_code(self, payload: str, source: str, person_uuid: str = "") -> CodeView:
        return code_view(self.service.check(payload, person_uuid=person_uuid or None))

    def check_id(self, id_number: str, doc_type: str = "cn-id", source: str = "typed") -> CodeView:
        from kiosk.domain.identity import DocType
        from kiosk.service.checks import IdEntry

        return code_view(self.service.check(IdEntry(id_number, DocType(doc_type), source)))

    def pick(self, code: CodeView, person_uuid: str) -> CodeView:
        return code_view(self.service.pick(code.handle, person_uuid))

    def roster(self) -> list[RosterEntry]:
        return [RosterEntry(p.uuid, p.building, p.unit, p.room, p.name_masked) for p in self.service.roster()]

    def temperature_step(self, readings: Sequence[ReadingTuple]) -> TemperatureStep:
        measured = _measurements(readings)
        verdict = self.service.assess(measured)
        done = verdict in (Verdict.NORMAL, Verdict.FEVER_CONFIRMED)
        nxt = Method.CONTACT if verdict is Verdict.REMEASURE_FEVER else Method.INFRARED
        due = self.service.remeasure_due(measured) if verdict is Verdict.REMEASURE_FEVER else None
        return TemperatureStep(str(verdict), done, str(nxt), due)

    def admit(
        self, code: CodeView | None, readings: Sequence[ReadingTuple], attested: Colour | None = None,
        person_uuid: str = "", direction: str = "in",
    ) -> ResultView | CodeView:
        from kiosk.service.checks import Rechecked

        checked = code.handle if code is not None else self.service.check(None, person_uuid=person_uuid or None)
        try:
            out = self.service.admit(checked, _measurements(readings), attested, Direction(direction))
        except Rechecked as redo:  # too old to trust: the screen shows the new result first
            return code_view(redo.checked, rechecked=True)
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

    def _handled(self, record_uuid: str, decision: Decision) -> ResultView:
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


def code_view(checked: Checked, rechecked: bool = False) -> CodeView:
    """A Checked as the screens show it; the Checked itself rides along as the handle."""
    r, p = checked.code, checked.person
    label = "  ".join(x for x in (p.name_masked, _address(p)) if x) if p else ""
    return CodeView(
        handle=checked, format=str(r.format) if r else "", status=str(r.status) if r else "none",
        colour=r.colour if r else Colour.NONE, colour_source=str(r.colour_source) if r else "none",
        name_masked=(r.holder_name_masked if r else "") or (p.name_masked if p else ""),
        id_masked=checked.id_masked or (r.id_masked if r else ""),
        needs_attestation=checked.needs_attestation, lane=checked.lane, person_label=label,
        candidates=tuple((c.uuid, "  ".join(x for x in (c.name_masked, _address(c)) if x)) for c in checked.candidates),
        pick_roster=checked.pick_roster, offline_registration=checked.offline_registration, rechecked=rechecked,
    )


def _address(p: PersonView) -> str:
    return "-".join(x for x in (p.building, p.unit, p.room) if x)


def _measurements(readings: Sequence[ReadingTuple]) -> tuple[Measurement, ...]:
    """(°C, method) or (°C, method, taken_at datetime|None) tuples as the domain's Measurements."""
    out = []
    for r in readings:
        taken = r[2] if len(r) > 2 else None
        out.append(Measurement(float(r[0]), Method(r[1]), taken if isinstance(taken, dt.datetime) else None))
    return tuple(out)
