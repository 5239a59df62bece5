"""What a gate pass records and shows: the bodies of its records (the one place their fields are
put together) and GateOutcome, what the screen gets once they are committed.

The admit step (gate_admit.py) appends the bodies to the journal and hands the same dicts to the
tables' owners (kiosk/store/gate_entry_rows.py, kiosk/store/temperature_rows.py).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from kiosk.domain.models import Colour, ColourSource, Mode, VerificationResult
from kiosk.domain.policy import Decision, GateFacts
from kiosk.domain.temperature import Measurement, Reading, Rules, Verdict, classify
from kiosk.service.checks import Checked
from kiosk.service.isolation import Isolation
from kiosk.service.people import PersonView
from sync.protocol.clock import utc_iso


@dataclass(frozen=True)
class GateOutcome:
    entry_uuid: str
    seq: int
    created_at: str
    lane: str  # 'scan', 'id-number', 'roster' or 'none'
    decision: Decision
    code: VerificationResult | None
    colour: Colour
    colour_source: ColourSource
    temperature: Verdict
    temperature_c: float | None
    person: PersonView | None
    id_masked: str
    mode: Mode
    occupancy: int
    capacity: int
    recheck_pending: bool
    isolation: Isolation | None = None  # on the home-isolation list today
    duty_phone: str = ""  # whom to call (shown on the red screen of an isolation stop)


def entry_body(
    checked: Checked, facts: GateFacts, decision: Decision, readings: tuple[Measurement, ...], rules: Rules,
    seen: Colour | None, colour: Colour, source: ColourSource, guard: str | None, id_masked: str, now: dt.datetime,
) -> dict[str, Any]:
    """The gate_entry record (its `identity` is added by the admit step, which reads the store for it)."""
    person = checked.person
    return {
        "direction": str(facts.direction), "person_kind": str(facts.person_kind),
        "person_uuid": person.uuid if person else None, "matched_by": checked.matched_by,
        "lane": checked.lane, "id_source": checked.id_source or None, "mode": str(facts.mode), "guard": guard,
        "id_masked": id_masked, "code": _code_body(checked.code), "checked_at": utc_iso(checked.checked_at),
        "colour": str(colour), "colour_source": str(source), "attested_colour": str(seen) if seen else None,
        "offline_registration": checked.offline_registration,
        "temperature": {"verdict": str(facts.temperature), "readings": [reading_body(r, rules, now) for r in readings]},
        "key_groups": sorted(facts.key_groups), "risk_level": facts.risk_level,
        "outcome": str(decision.outcome), "reasons": [str(r) for r in decision.reasons],
        "notes": [str(r) for r in decision.notes], "occupancy": facts.occupancy, "capacity": facts.capacity,
    }


def reading_body(r: Measurement, rules: Rules, now: dt.datetime) -> dict[str, Any]:
    """One reading as the gate_entry lists it (a reading without its own time was taken now)."""
    return {"value_c": finite(r.value_c), "method": str(r.method), "classification": str(classify(r.value_c, rules)),
            "taken_at": utc_iso(r.taken_at) if r.taken_at else utc_iso(now)}


def temperature_body(entry_uuid: str, reading: dict[str, Any]) -> dict[str, Any]:
    """The `temperature` record of one reading of the entry: the reading, and whether it is valid."""
    return {"entry_uuid": entry_uuid, **reading, "valid": Reading(reading["classification"]) is not Reading.BAD}


def colour_of(code: VerificationResult | None, attested: Colour | None) -> tuple[Colour, ColourSource]:
    """The colour the pass counts and where it came from: the code's own, else the guard's attestation."""
    if code is not None and code.colour is not Colour.NONE and code.colour_source is not ColourSource.NONE:
        return code.colour, code.colour_source
    if attested is not None:
        return attested, ColourSource.ATTESTED
    if code is not None and code.colour is not Colour.NONE:
        return code.colour, ColourSource.SIGNED
    return Colour.NONE, ColourSource.NONE


def finite(value: float) -> float | None:
    """NaN/inf from a broken sensor is kept as 'no value' (JSON and the hash chain need finite numbers)."""
    return value if math.isfinite(value) else None


def _code_body(code: VerificationResult | None) -> dict[str, str] | None:
    if code is None:
        return None
    return {"format": str(code.format), "status": str(code.status), "colour": str(code.colour),
            "colour_source": str(code.colour_source), "reason": code.reason, "kid": code.kid,
            "holder_name_masked": code.holder_name_masked, "id_masked": code.id_masked}
