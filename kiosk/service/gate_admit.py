"""Step 2 of a gate pass: decide on exactly this check and commit the record before returning.

One transaction holds the `gate_entry` record, a `temperature` record per reading, their
projection rows (each from the dict the journal got), the pending re-check of an offline code,
the alerts the pass raises and the occupancy count. GateService.admit is this step once the
check is young enough (older ones are checked again there).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.domain.identity import DocType, normalise_number
from kiosk.domain.models import CodeFormat, Colour, Direction, Outcome, PersonKind
from kiosk.domain.policy import GateFacts, decide, verified
from kiosk.domain.report import local_day
from kiosk.domain.temperature import Measurement, Verdict, assess
from kiosk.service import modes
from kiosk.service.checks import Checked
from kiosk.service.gate_parts import GateParts
from kiosk.service.gate_record import GateOutcome, colour_of, entry_body, finite, temperature_body
from kiosk.service.isolation import Isolation, isolation_for
from kiosk.service.pass_identity import identity_of
from kiosk.service.people import risk_level_for
from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Writer
from kiosk.store.gate_entry_rows import project_gate_entry
from kiosk.store.recheck_rows import queue_recheck
from kiosk.store.temperature_rows import project_temperature
from sync.protocol.clock import utc_iso


def record(
    gate: GateParts, checked: Checked, readings: tuple[Measurement, ...], attested: Colour | None, direction: Direction,
    person_kind: PersonKind, now: dt.datetime,
) -> GateOutcome:
    """Decide on exactly this check and commit the record, its projections and alerts in one transaction."""
    code, person, lane = checked.code, checked.person, checked.lane
    kind = PersonKind(person.kind) if person else person_kind
    verdict = assess(readings, gate.rules)
    mode = gate.mode().mode
    period = modes.period_start(now, gate.tz, gate.cfg["occupancy.reset_hour"])
    capacity = int(gate.cfg["occupancy.capacity"])
    risk = risk_level_for(gate.store.db, person.origin_region) if person and person.origin_region else None
    seen, counted = _attestation(checked, attested)
    id_masked = checked.id_masked or (code.id_masked if code else "")
    guard = gate.duty.current_guard()  # an attested colour counts only with a guard signed in
    isolated = _isolation(gate, checked, now)
    with gate.store.writing() as w:
        occupancy = modes.current_occupancy(w.db, period)
        facts = GateFacts(
            code=code, temperature=verdict, person_kind=kind, direction=direction, mode=mode,
            on_roster=person is not None and person.kind == "resident", attested_colour=counted,
            key_groups=frozenset(person.key_groups) if person else frozenset(), risk_level=risk,
            occupancy=occupancy, capacity=capacity, guard_on_duty=bool(guard), home_isolation=isolated is not None,
            offline_registration=checked.offline_registration,
        )
        decision = decide(facts, gate.table)
        colour, source = colour_of(code, counted)
        last_c = finite(readings[-1].value_c) if readings else None
        body = entry_body(checked, facts, decision, readings, gate.rules, seen, colour, source, guard, id_masked, now)
        body["identity"] = _identity(gate, w.db, checked, now)
        rec = w.append("gate_entry", body, created_at=utc_iso(now))
        project_gate_entry(w.db, rec, body)
        for reading in body["temperature"]["readings"]:
            data = temperature_body(rec.uuid, reading)
            project_temperature(w.db, w.append("temperature", data, created_at=utc_iso(now)), data)
        recheck = checked.unverified and code is not None and code.format is CodeFormat.CN_TOKEN and (
            lane == "scan" or checked.id_cipher is not None)
        if recheck:
            queue_recheck(w.db, rec.uuid, rec.created_at, checked.qr_text if lane == "scan" else None,
                          checked.id_cipher if lane != "scan" else None, str(seen) if seen else None)
        if verdict is Verdict.FEVER_CONFIRMED:
            msg = f"confirmed fever {last_c:.1f} °C at the gate (发热复测确认)"
            raise_alert(w, "fever-confirmed", msg, entry_uuid=rec.uuid, created_at=utc_iso(now))
        _gate_alerts(w, rec.uuid, utc_iso(now), direction, colour, id_masked, isolated)
        if decision.outcome is Outcome.PASS:
            occupancy = modes.add_occupancy(w.db, period, 1 if direction is Direction.IN else -1, rec.created_at)
    return GateOutcome(rec.uuid, rec.seq, rec.created_at, lane, decision, code, colour, source, verdict, last_c,
                       person, id_masked, mode, occupancy, capacity, recheck,
                       isolated, _duty_phone(gate) if isolated else "")


def _identity(gate: GateParts, db: Any, checked: Checked, now: dt.datetime) -> dict[str, Any] | None:
    """Who passed, for contact tracing on the server: hashed and sealed, never in clear."""
    typed = gate.vault.reveal(checked.id_cipher) if checked.id_cipher is not None and checked.lane == "id-number" else None
    person = checked.person
    return identity_of(db, gate.vault, typed, checked.id_type or DocType.CN_ID, person.uuid if person else None,
                       checked.code, local_day(now, gate.tz))


def _isolation(gate: GateParts, checked: Checked, now: dt.datetime) -> Isolation | None:
    """The home-isolation entry in force today for this person (roster entry or typed ID number)."""
    typed = None
    if checked.id_cipher is not None and (checked.id_type or DocType.CN_ID) == DocType.CN_ID:
        typed = normalise_number(gate.vault.reveal(checked.id_cipher))
    person = checked.person
    return isolation_for(gate.store.db, gate.vault, local_day(now, gate.tz), person_uuid=person.uuid if person else None,
                         id_number=typed)


def _duty_phone(gate: GateParts) -> str:
    return next((d.duty_phone for d in gate.duty.on_duty() if d.duty_phone), "")


def _attestation(checked: Checked, attested: Colour | None) -> tuple[Colour | None, Colour | None]:
    """(seen, counted): the colour the guard says the phone shows, and whether the policy may
    use it — only when the code itself cannot tell (offline cn-token, or no code at all)."""
    seen = attested if attested is not Colour.NONE else None  # "none" = not attested
    # For a verified code the policy keeps a different report as a note (the verified
    # result wins, docs/workflow.md); other statuses decide on the code's own verdict.
    code = checked.code
    counted = seen if (code is None or checked.unverified or verified(code)) else None
    return seen, counted


def _gate_alerts(w: Writer, entry_uuid: str, at: str, direction: Direction, colour: Colour, id_masked: str,
                 isolated: Isolation | None) -> None:
    """Alerts a pass raises besides a fever, in the pass's own transaction (so they go out first)."""
    who = id_masked or "no ID"
    if colour is Colour.RED:
        raise_alert(w, "red-code", f"red health code at the gate ({direction}, {who})", entry_uuid=entry_uuid, created_at=at)
    if isolated is not None:
        place = f"{isolated.name_masked} {isolated.address}".strip()
        msg = (f"home isolation: exit attempt stopped at the gate (居家隔离人员试图外出，已劝返) {place}, until {isolated.end}"
               if direction is Direction.OUT else
               f"home isolation: came home through the gate, so was outside (居家隔离人员从外返回) {place}, until {isolated.end}")
        raise_alert(w, "isolation-breach", msg, entry_uuid=entry_uuid, created_at=at, direction=str(direction))
