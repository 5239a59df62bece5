"""GateService: what the UI calls. scan/ID → verify → decide → record, then show.

Every method that produces an outcome commits the record (journal + outbox + projection
rows, one transaction) BEFORE it returns; if the write fails the caller gets the store's
error and must not show a result. The verifier is injected as `Callable[[str],
VerificationResult]`, the online check by ID number as a CodeChecker (None = offline).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.identity import DocType, FieldError, validate_id, validate_text
from kiosk.domain.masking import mask_id
from kiosk.domain.models import (
    CodeChecker,
    CodeFormat,
    CodeStatus,
    Colour,
    ColourSource,
    Direction,
    Mode,
    Outcome,
    PersonKind,
    PlatformAnswer,
    Reason,
    VerificationResult,
)
from kiosk.domain.policy import Decision, GateFacts, PolicyTable, decide, override
from kiosk.domain.report import local_day
from kiosk.domain.temperature import Measurement, Reading, Rules, Verdict, assess, classify, remeasure_due
from kiosk.service import modes
from kiosk.service.common import Clock, InvalidInput, iso, state_put, utc_now
from kiosk.service.duty import DutyRoster
from kiosk.service.pass_identity import identity_of
from kiosk.service.people import PersonView, find_by_id_number, get_person, risk_level_for
from kiosk.service.visitors import Visitor, VisitorForm, register_visitor
from kiosk.store.db import Store
from kiosk.store.vault import Vault

Verify = Callable[[str], VerificationResult]


@dataclass(frozen=True)
class GateRequest:
    direction: Direction = Direction.IN
    person_kind: PersonKind = PersonKind.RESIDENT
    qr_text: str | None = None  # a scanned code
    id_number: str | None = None  # the no-smartphone lane: the guard types the ID number
    id_type: DocType = DocType.CN_ID
    person_uuid: str | None = None  # picked from the roster, or a just-registered visitor
    attested_colour: Colour | None = None  # the colour the guard saw on the phone
    readings: tuple[Measurement, ...] = ()


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


def _verify_safely(verify: Verify, text: str) -> VerificationResult:
    try:
        return verify(text)
    except Exception as exc:  # the contract says verify never raises; a bug must not lose the pass
        return VerificationResult(CodeFormat.UNKNOWN, CodeStatus.MALFORMED, reason=f"verifier error: {type(exc).__name__}")


class GateService:
    def __init__(
        self, store: Store, cfg: Mapping[str, Any], verify: Verify, clock: Clock = utc_now, *,
        checker: CodeChecker | None = None, vault: Vault | None = None,
    ) -> None:
        self.store, self.cfg, self.verify, self.clock, self.checker = store, cfg, verify, clock, checker
        self.vault = vault or Vault.open(getattr(cfg, "data_dir"))  # noqa: B009 (Config property)
        self.duty = DutyRoster(store, clock)
        self.table = PolicyTable.from_settings(cfg)
        self.rules = Rules(cfg["temperature.fever_threshold"], cfg["temperature.low_threshold"],
                           float(cfg["thermometer.remeasure_pause_s"]))
        self.tz: str = cfg["kiosk.timezone"]

    # --- read-only helpers for the screens ---
    def assess(self, readings: tuple[Measurement, ...]) -> Verdict:
        return assess(readings, self.rules)

    def remeasure_due(self, readings: tuple[Measurement, ...]) -> dt.datetime | None:
        """When a fever may be re-measured with the contact thermometer (screen countdown)."""
        return remeasure_due(readings, self.rules)

    def mode(self) -> modes.ModeInfo:
        return modes.effective_mode(self.store.db, self.cfg["policy.mode"])

    def occupancy(self) -> modes.Occupancy:
        period = modes.period_start(self.clock(), self.tz, self.cfg["occupancy.reset_hour"])
        return modes.Occupancy(modes.current_occupancy(self.store.db, period), self.cfg["occupancy.capacity"])

    def set_mode(self, mode: Mode, by: str) -> modes.ModeInfo:
        now = iso(self.clock())
        with self.store.writing() as w:
            w.append("mode_change", {"mode": str(mode), "by": by, "source": "admin"}, created_at=now)
            state_put(w.db, modes.ADMIN_KEY, str(mode), now)
        return self.mode()

    def register_visitor(self, form: VisitorForm) -> Visitor:
        return register_visitor(self.store, self.vault, form, self.clock, self.tz, self.duty.current_guard())

    # --- the gate pass ---
    def _code(self, req: GateRequest, today: dt.date) -> tuple[str, VerificationResult | None, PersonView | None, str, bytes | None]:
        """(lane, result, person, id_masked, id_cipher for a re-check)."""
        person = get_person(self.store.db, req.person_uuid) if req.person_uuid else None
        if req.person_uuid and person is None:
            raise InvalidInput([_field("person_uuid", "unknown-person", "找不到此人员", "no such person on this kiosk")])
        if req.qr_text is not None:
            return "scan", _verify_safely(self.verify, req.qr_text), person, "", None
        id_number = (req.id_number or "").strip()
        lane, id_type = "id-number", str(req.id_type)
        if not id_number and person is not None:
            row = self.store.db.execute("select id_cipher, id_type from people where uuid = ?", [person.uuid]).fetchone()
            if not (row and row[0]):  # on the roster without an ID number: only the guard's attestation
                return "roster", VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, reason="no ID number on file"), person, "", None
            id_number, id_type, lane = self.vault.reveal(row[0]), row[1] or DocType.CN_ID, "roster"
        if not id_number:
            return "none", None, person, "", None
        check = validate_id(id_type, id_number, today)
        if not check.ok:
            raise InvalidInput(check.errors)
        person = person or find_by_id_number(self.store.db, self.vault, check.number)
        answer = self._ask_platform(check.number)
        if answer is not None:
            result = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.VALID, answer.colour, ColourSource.ONLINE,
                                        holder_name_masked=answer.name_masked, id_masked=mask_id(check.number))
            return lane, result, person, mask_id(check.number), None
        result = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, reason="offline: no online check by ID number",
                                    id_masked=mask_id(check.number))
        return lane, result, person, mask_id(check.number), self.vault.protect(check.number)[0]

    def _ask_platform(self, id_number: str) -> PlatformAnswer | None:
        if self.checker is None:
            return None
        try:
            return self.checker.check(id_number=id_number)
        except Exception:  # the contract says None when offline; a failing client is offline too
            return None

    def pass_gate(self, req: GateRequest) -> GateOutcome:
        now = self.clock()
        today = local_day(now, self.tz)
        lane, code, person, id_masked, id_cipher = self._code(req, today)
        kind = PersonKind(person.kind) if person else req.person_kind
        verdict = assess(req.readings, self.rules)
        mode = self.mode().mode
        period = modes.period_start(now, self.tz, self.cfg["occupancy.reset_hour"])
        capacity = int(self.cfg["occupancy.capacity"])
        risk = risk_level_for(self.store.db, person.origin_region) if person and person.origin_region else None
        unverified = code is not None and code.status is CodeStatus.UNVERIFIED
        seen = req.attested_colour if req.attested_colour is not Colour.NONE else None  # "none" = not attested
        attested = seen if (code is None or unverified) else None
        with self.store.writing() as w:
            occupancy = modes.current_occupancy(w.db, period)
            facts = GateFacts(
                code=code, temperature=verdict, person_kind=kind, direction=req.direction, mode=mode,
                on_roster=person is not None and person.kind == "resident", attested_colour=attested,
                key_groups=frozenset(person.key_groups) if person else frozenset(), risk_level=risk,
                occupancy=occupancy, capacity=capacity,
            )
            decision = decide(facts, self.table)
            colour, source = _colour(code, attested)
            fever = verdict is Verdict.FEVER_CONFIRMED
            last_c = _finite(req.readings[-1].value_c) if req.readings else None
            guard = self.duty.current_guard()
            body = {
                "direction": str(req.direction), "person_kind": str(kind), "person_uuid": person.uuid if person else None,
                "lane": lane, "mode": str(mode), "guard": guard, "id_masked": id_masked,
                "code": _code_body(code), "colour": str(colour), "colour_source": str(source),
                "attested_colour": str(seen) if seen else None,
                "temperature": {"verdict": str(verdict), "readings": [
                    {"value_c": _finite(r.value_c), "method": str(r.method), "classification": str(classify(r.value_c, self.rules))}
                    for r in req.readings]},
                "key_groups": sorted(facts.key_groups), "risk_level": risk,
                "outcome": str(decision.outcome), "reasons": [str(r) for r in decision.reasons],
                "notes": [str(r) for r in decision.notes], "occupancy": occupancy, "capacity": capacity,
                "identity": identity_of(w.db, self.vault, req, person.uuid if person else None, code, today),
            }
            rec = w.append("gate_entry", body, created_at=iso(now))
            w.db.execute(
                "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, person_uuid, code_format,"
                " code_status, code_colour, colour_source, temperature_c, fever_confirmed, outcome, reasons, guard, lane,"
                " key_group, risk_level) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [rec.uuid, rec.seq, rec.created_at, str(req.direction), str(kind), body["person_uuid"],
                 str(code.format) if code else None, str(code.status) if code else None, str(colour), str(source),
                 last_c if verdict in (Verdict.NORMAL, Verdict.FEVER_CONFIRMED, Verdict.REMEASURE_FEVER) else None,
                 int(fever), str(decision.outcome), json.dumps(body["reasons"]), guard, lane,
                 int(bool(facts.key_groups)), risk],
            )
            for r in req.readings:
                cls = classify(r.value_c, self.rules)
                valid, value = cls is not Reading.BAD, _finite(r.value_c)
                data = {"entry_uuid": rec.uuid, "value_c": value, "method": str(r.method), "classification": str(cls), "valid": valid}
                t = w.append("temperature", data, created_at=iso(now))
                w.db.execute(
                    "insert into temperature_readings (record_uuid, seq, created_at, entry_uuid, value_c, method, classification, valid)"
                    " values (?,?,?,?,?,?,?,?)",
                    [t.uuid, t.seq, t.created_at, rec.uuid, value, str(r.method), str(cls), int(valid)],
                )
            recheck = (unverified and code is not None and code.format is CodeFormat.CN_TOKEN
                       and (lane == "scan" or id_cipher is not None))
            if recheck:
                w.db.execute(
                    "insert into pending_rechecks (entry_uuid, created_at, qr_text, id_cipher, attested_colour) values (?,?,?,?,?)",
                    [rec.uuid, rec.created_at, req.qr_text if lane == "scan" else None, id_cipher,
                     str(seen) if seen else None],
                )
            if fever:
                msg = f"confirmed fever {last_c:.1f} °C at the gate (发热复测确认)"
                a = w.append("alert", {"kind": "fever-confirmed", "entry_uuid": rec.uuid, "message": msg}, created_at=iso(now))
                w.db.execute("insert into alerts (record_uuid, created_at, kind, entry_uuid, message) values (?,?,?,?,?)",
                             [a.uuid, a.created_at, "fever-confirmed", rec.uuid, msg])
            if decision.outcome is Outcome.PASS:
                occupancy = modes.add_occupancy(w.db, period, 1 if req.direction is Direction.IN else -1, rec.created_at)
        return GateOutcome(rec.uuid, rec.seq, rec.created_at, lane, decision, code, colour, source, verdict, last_c,
                           person, id_masked or (code.id_masked if code else ""), mode, occupancy, capacity, recheck)

    def override(self, entry_uuid: str, reason: str, guard: str | None = None) -> Decision:
        """The guard lets a DENY/REVIEW pass, with a reason; recorded before returning."""
        row = self.store.db.execute(
            "select outcome, reasons, direction, overridden from gate_entries where record_uuid = ?", [entry_uuid]
        ).fetchone()
        if row is None:
            raise InvalidInput([_field("entry_uuid", "unknown-entry", "找不到这条通行记录", "no such gate entry")])
        reason, problem = validate_text(reason, "reason", max_len=500)
        if problem:
            raise InvalidInput([problem])
        before = Decision(Outcome(row[0]), tuple(Reason(r) for r in json.loads(row[1])), overridden=bool(row[3]))
        after = override(before, guard if guard is not None else self.duty.current_guard(), reason)
        now = self.clock()
        period = modes.period_start(now, self.tz, self.cfg["occupancy.reset_hour"])
        with self.store.writing() as w:
            w.append("override", {"entry_uuid": entry_uuid, "guard": after.override_by, "reason": after.override_reason,
                                  "original_outcome": str(before.outcome), "reasons": [str(r) for r in before.reasons]},
                     created_at=iso(now))
            w.db.execute(
                "update gate_entries set outcome = 'pass', overridden = 1, original_outcome = ?, override_reason = ?,"
                " reasons = ?, guard = ? where record_uuid = ?",
                [str(before.outcome), after.override_reason, json.dumps([str(r) for r in after.reasons]),
                 after.override_by, entry_uuid],
            )
            modes.add_occupancy(w.db, period, 1 if row[2] == "in" else -1, iso(now))
        return after


def _field(field: str, code: str, zh: str, en: str) -> FieldError:
    return FieldError(field, code, zh, en)


def _finite(value: float) -> float | None:
    """NaN/inf from a broken sensor is kept as 'no value' (JSON and the hash chain need finite numbers)."""
    return value if math.isfinite(value) else None


def _colour(code: VerificationResult | None, attested: Colour | None) -> tuple[Colour, ColourSource]:
    if code is not None and code.colour is not Colour.NONE and code.colour_source is not ColourSource.NONE:
        return code.colour, code.colour_source
    if attested is not None:
        return attested, ColourSource.ATTESTED
    if code is not None and code.colour is not Colour.NONE:
        return code.colour, ColourSource.SIGNED
    return Colour.NONE, ColourSource.NONE


def _code_body(code: VerificationResult | None) -> dict[str, str] | None:
    if code is None:
        return None
    return {"format": str(code.format), "status": str(code.status), "colour": str(code.colour),
            "colour_source": str(code.colour_source), "reason": code.reason, "kid": code.kid,
            "holder_name_masked": code.holder_name_masked, "id_masked": code.id_masked}
