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
from dataclasses import dataclass, replace
from typing import Any

from kiosk.domain.identity import DocType, FieldError, normalise_number, validate_id, validate_text
from kiosk.domain.masking import mask_id, mask_text
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
from kiosk.domain.policy import Decision, GateFacts, PolicyTable, decide, override, refer_to_fever_clinic, verified
from kiosk.domain.report import local_day
from kiosk.domain.temperature import Measurement, Reading, Rules, Verdict, assess, classify, remeasure_due
from kiosk.service import modes
from kiosk.service.checks import Checked, IdEntry, Rechecked
from kiosk.service.common import InvalidInput
from kiosk.service.duty import DutyRoster
from kiosk.service.holder import holder_candidates, roster_residents
from kiosk.service.isolation import Isolation, isolation_for
from kiosk.service.pass_identity import identity_of
from kiosk.service.people import PersonView, find_by_id_number, get_person, risk_level_for
from kiosk.service.visitors import Visitor, VisitorForm, register_visitor
from kiosk.store import state
from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.protocol.clock import Clock, utc_iso, utc_now

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
    isolation: Isolation | None = None  # on the home-isolation list today
    duty_phone: str = ""  # whom to call (shown on the red screen of an isolation stop)


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
        self.vault = vault or Vault.for_config(cfg)
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
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            w.append("mode_change", {"mode": str(mode), "by": by, "source": "admin"}, created_at=now)
            state.put(w.db, state.MODE_ADMIN, str(mode), now)
        return self.mode()

    def register_visitor(self, form: VisitorForm) -> Visitor:
        return register_visitor(self.store, self.vault, form, self.clock, self.tz, self.duty.current_guard())

    # --- the gate pass, step 1: check -------------------------------------------------
    def check(self, what: str | IdEntry | None, *, person_uuid: str | None = None) -> Checked:
        """Verify a scanned code (str) or an ID number (IdEntry), or a roster person without either
        (None + person_uuid), and find whom it belongs to. Records nothing."""
        now = self.clock()
        person = get_person(self.store.db, person_uuid) if person_uuid else None
        if person_uuid and person is None:
            raise InvalidInput([_field("person_uuid", "unknown-person", "找不到此人员", "no such person on this kiosk")])
        given = "given" if person else ""
        if isinstance(what, str):
            code = _verify_safely(self.verify, what)
            candidates = () if person else tuple(holder_candidates(self.store.db, code))
            if person is None and len(candidates) == 1:
                person, given, candidates = candidates[0], "code-identity", ()
            lockdown = self.mode().mode is Mode.LOCKDOWN
            return Checked("scan", code, person, given, now, qr_text=what, candidates=candidates,
                           pick_roster=lockdown and person is None)
        if what is None and person is not None:
            row = self.store.db.execute("select id_cipher, id_type from people where uuid = ?", [person.uuid]).fetchone()
            if not (row and row[0]):  # on the roster without an ID number: only the guard's attestation
                code = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, reason="no ID number on file")
                return Checked("roster", code, person, given, now)
            what = IdEntry(self.vault.reveal(row[0]), DocType(row[1] or DocType.CN_ID), "roster")
        if what is None or not what.number.strip():
            return Checked("none", None, person, given, now)
        return self._check_id(what, person, given, now)

    def _check_id(self, entry: IdEntry, person: PersonView | None, given: str, now: dt.datetime) -> Checked:
        check = validate_id(entry.doc_type, entry.number, local_day(now, self.tz))
        if not check.ok:
            raise InvalidInput(check.errors)
        if person is None:
            person = find_by_id_number(self.store.db, self.vault, check.number)
            given = "id-number" if person else ""
        lane = "roster" if entry.source == "roster" else "id-number"
        masked = mask_id(check.number)
        answer = self._ask_platform(check.number)  # 代查: the platform looks the code up by ID number
        if answer is not None and answer.colour is not Colour.NONE:
            code = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.VALID, answer.colour, ColourSource.ONLINE,
                                      reason="asked the platform by ID number", holder_name_masked=answer.name_masked,
                                      id_masked=masked)
        else:
            why = "the platform has no code for this ID number" if answer else "offline: no online check by ID number"
            code = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, reason=why, id_masked=masked)
        return Checked(lane, code, person, given, now, id_masked=masked, id_cipher=self.vault.protect(check.number)[0],
                       id_type=str(entry.doc_type), id_source=entry.source)

    def pick(self, checked: Checked, person_uuid: str) -> Checked:
        """The guard picked the person from the roster (or the code's candidates)."""
        person = get_person(self.store.db, person_uuid)
        if person is None:
            raise InvalidInput([_field("person_uuid", "unknown-person", "找不到此人员", "no such person on this kiosk")])
        return replace(checked, person=person, matched_by="picked", candidates=(), pick_roster=False)

    def roster(self) -> list[PersonView]:
        return roster_residents(self.store.db)

    def recheck(self, checked: Checked) -> Checked:
        """The same check again, now (a check too old to trust)."""
        keep = checked.person.uuid if checked.person and checked.matched_by in ("given", "picked") else None
        if checked.lane == "scan":
            return self.check(checked.qr_text, person_uuid=keep)
        if checked.id_cipher is not None:
            entry = IdEntry(self.vault.reveal(checked.id_cipher), DocType(checked.id_type or DocType.CN_ID),
                            checked.id_source or "typed")
            return self.check(entry, person_uuid=keep)
        return self.check(None, person_uuid=keep)

    def _ask_platform(self, id_number: str) -> PlatformAnswer | None:
        if self.checker is None:
            return None
        try:
            return self.checker.check(id_number=id_number)
        except Exception:  # the contract says None when offline; a failing client is offline too
            return None

    # --- step 2: admit ------------------------------------------------------------------
    def admit(
        self, checked: Checked, readings: tuple[Measurement, ...] = (), attested: Colour | None = None,
        direction: Direction = Direction.IN, *, person_kind: PersonKind = PersonKind.RESIDENT,
    ) -> GateOutcome:
        """Decide on exactly this check and commit the record before returning.

        A check older than codes.check_max_age_s is done again instead, and Rechecked (carrying
        the new check) is raised with nothing recorded: the guard must see the new result."""
        now = self.clock()
        age = checked.age_s(now)
        if age > float(self.cfg["codes.check_max_age_s"]):
            raise Rechecked(self.recheck(checked), age)
        return self._record(checked, readings, attested, direction, person_kind, now)

    def pass_gate(self, req: GateRequest) -> GateOutcome:
        """check + admit in one call (tests, benchmarks, the CLI)."""
        what: str | IdEntry | None = req.qr_text
        if what is None and req.id_number:
            what = IdEntry(req.id_number, req.id_type)
        checked = self.check(what, person_uuid=req.person_uuid)
        return self.admit(checked, req.readings, req.attested_colour, req.direction, person_kind=req.person_kind)

    def _attestation(self, checked: Checked, attested: Colour | None) -> tuple[Colour | None, Colour | None]:
        """(seen, counted): the colour the guard says the phone shows, and whether the policy may
        use it — only when the code itself cannot tell (offline cn-token, or no code at all)."""
        seen = attested if attested is not Colour.NONE else None  # "none" = not attested
        # For a verified code the policy keeps a different report as a note (the verified
        # result wins, docs/workflow.md); other statuses decide on the code's own verdict.
        code = checked.code
        counted = seen if (code is None or checked.unverified or verified(code)) else None
        return seen, counted

    def _record(
        self, checked: Checked, readings: tuple[Measurement, ...], attested: Colour | None, direction: Direction,
        person_kind: PersonKind, now: dt.datetime,
    ) -> GateOutcome:
        code, person, lane = checked.code, checked.person, checked.lane
        kind = PersonKind(person.kind) if person else person_kind
        verdict = assess(readings, self.rules)
        mode = self.mode().mode
        period = modes.period_start(now, self.tz, self.cfg["occupancy.reset_hour"])
        capacity = int(self.cfg["occupancy.capacity"])
        risk = risk_level_for(self.store.db, person.origin_region) if person and person.origin_region else None
        seen, counted = self._attestation(checked, attested)
        id_masked = checked.id_masked or (code.id_masked if code else "")
        guard = self.duty.current_guard()  # an attested colour counts only with a guard signed in
        isolated = self._isolation(checked, now)
        with self.store.writing() as w:
            occupancy = modes.current_occupancy(w.db, period)
            facts = GateFacts(
                code=code, temperature=verdict, person_kind=kind, direction=direction, mode=mode,
                on_roster=person is not None and person.kind == "resident", attested_colour=counted,
                key_groups=frozenset(person.key_groups) if person else frozenset(), risk_level=risk,
                occupancy=occupancy, capacity=capacity, guard_on_duty=bool(guard), home_isolation=isolated is not None,
                offline_registration=checked.offline_registration,
            )
            decision = decide(facts, self.table)
            colour, source = _colour(code, counted)
            fever = verdict is Verdict.FEVER_CONFIRMED
            last_c = _finite(readings[-1].value_c) if readings else None
            body = self._record_body(checked, facts, decision, readings, seen, colour, source, guard, id_masked, now)
            body["identity"] = self._identity(w.db, checked, now)
            rec = w.append("gate_entry", body, created_at=utc_iso(now))
            w.db.execute(
                "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, person_uuid, code_format,"
                " code_status, code_colour, colour_source, temperature_c, fever_confirmed, outcome, reasons, guard, lane,"
                " key_group, risk_level) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [rec.uuid, rec.seq, rec.created_at, str(direction), str(kind), body["person_uuid"],
                 str(code.format) if code else None, str(code.status) if code else None, str(colour), str(source),
                 last_c if verdict in (Verdict.NORMAL, Verdict.FEVER_CONFIRMED, Verdict.REMEASURE_FEVER) else None,
                 int(fever), str(decision.outcome), json.dumps(body["reasons"]), guard, lane,
                 int(bool(facts.key_groups)), risk],
            )
            for r in readings:
                cls = classify(r.value_c, self.rules)
                valid, value = cls is not Reading.BAD, _finite(r.value_c)
                taken = utc_iso(r.taken_at) if r.taken_at else utc_iso(now)
                data = {"entry_uuid": rec.uuid, "value_c": value, "method": str(r.method), "classification": str(cls),
                        "valid": valid, "taken_at": taken}
                t = w.append("temperature", data, created_at=utc_iso(now))
                w.db.execute(
                    "insert into temperature_readings (record_uuid, seq, created_at, entry_uuid, value_c, method, classification, valid)"
                    " values (?,?,?,?,?,?,?,?)",
                    [t.uuid, t.seq, taken, rec.uuid, value, str(r.method), str(cls), int(valid)],
                )
            recheck = checked.unverified and code is not None and code.format is CodeFormat.CN_TOKEN and (
                lane == "scan" or checked.id_cipher is not None)
            if recheck:
                w.db.execute(
                    "insert into pending_rechecks (entry_uuid, created_at, qr_text, id_cipher, attested_colour) values (?,?,?,?,?)",
                    [rec.uuid, rec.created_at, checked.qr_text if lane == "scan" else None,
                     checked.id_cipher if lane != "scan" else None, str(seen) if seen else None],
                )
            if fever:
                msg = f"confirmed fever {last_c:.1f} °C at the gate (发热复测确认)"
                raise_alert(w, "fever-confirmed", msg, entry_uuid=rec.uuid, created_at=utc_iso(now))
            _gate_alerts(w, rec.uuid, utc_iso(now), direction, colour, id_masked, isolated)
            if decision.outcome is Outcome.PASS:
                occupancy = modes.add_occupancy(w.db, period, 1 if direction is Direction.IN else -1, rec.created_at)
        return GateOutcome(rec.uuid, rec.seq, rec.created_at, lane, decision, code, colour, source, verdict, last_c,
                           person, id_masked, mode, occupancy, capacity, recheck,
                           isolated, self._duty_phone() if isolated else "")

    def _record_body(
        self, checked: Checked, facts: GateFacts, decision: Decision, readings: tuple[Measurement, ...],
        seen: Colour | None, colour: Colour, source: ColourSource, guard: str | None, id_masked: str, now: dt.datetime,
    ) -> dict[str, Any]:
        """The gate_entry record: the one place its fields are put together."""
        person = checked.person
        return {
            "direction": str(facts.direction), "person_kind": str(facts.person_kind),
            "person_uuid": person.uuid if person else None, "matched_by": checked.matched_by,
            "lane": checked.lane, "id_source": checked.id_source or None, "mode": str(facts.mode), "guard": guard,
            "id_masked": id_masked, "code": _code_body(checked.code), "checked_at": utc_iso(checked.checked_at),
            "colour": str(colour), "colour_source": str(source), "attested_colour": str(seen) if seen else None,
            "offline_registration": checked.offline_registration,
            "temperature": {"verdict": str(facts.temperature), "readings": [
                {"value_c": _finite(r.value_c), "method": str(r.method), "classification": str(classify(r.value_c, self.rules)),
                 "taken_at": utc_iso(r.taken_at) if r.taken_at else utc_iso(now)}
                for r in readings]},
            "key_groups": sorted(facts.key_groups), "risk_level": facts.risk_level,
            "outcome": str(decision.outcome), "reasons": [str(r) for r in decision.reasons],
            "notes": [str(r) for r in decision.notes], "occupancy": facts.occupancy, "capacity": facts.capacity,
        }

    def _identity(self, db: Any, checked: Checked, now: dt.datetime) -> dict[str, Any] | None:
        """Who passed, for contact tracing on the server: hashed and sealed, never in clear."""
        typed = self.vault.reveal(checked.id_cipher) if checked.id_cipher is not None and checked.lane == "id-number" else None
        person = checked.person
        return identity_of(db, self.vault, typed, checked.id_type or DocType.CN_ID, person.uuid if person else None,
                           checked.code, local_day(now, self.tz))

    def _isolation(self, checked: Checked, now: dt.datetime) -> Isolation | None:
        """The home-isolation entry in force today for this person (roster entry or typed ID number)."""
        typed = None
        if checked.id_cipher is not None and (checked.id_type or DocType.CN_ID) == DocType.CN_ID:
            typed = normalise_number(self.vault.reveal(checked.id_cipher))
        person = checked.person
        return isolation_for(self.store.db, self.vault, local_day(now, self.tz), person_uuid=person.uuid if person else None,
                             id_number=typed)

    def _duty_phone(self) -> str:
        return next((d.duty_phone for d in self.duty.on_duty() if d.duty_phone), "")

    def override(self, entry_uuid: str, reason: str, pin: str) -> Decision:
        """The guard on duty lets a DENY/REVIEW pass: PIN typed again, a reason, and only
        where the policy allows it (red code, fever). Recorded before returning."""
        return self._guard_action(entry_uuid, reason, pin, override)

    def refer_to_fever_clinic(self, entry_uuid: str, reason: str, pin: str) -> Decision:
        """A confirmed fever is referred to the fever clinic (the outcome stays DENY)."""
        return self._guard_action(entry_uuid, reason, pin, refer_to_fever_clinic)

    def _guard_action(self, entry_uuid: str, reason: str, pin: str, action: Callable[..., Decision]) -> Decision:
        row = self.store.db.execute(
            "select outcome, reasons, direction, overridden from gate_entries where record_uuid = ?", [entry_uuid]
        ).fetchone()
        if row is None:
            raise InvalidInput([_field("entry_uuid", "unknown-entry", "找不到这条通行记录", "no such gate entry")])
        reason, problem = validate_text(reason, "reason", max_len=500)
        if problem:
            raise InvalidInput([problem])
        before = Decision(Outcome(row[0]), tuple(Reason(r) for r in json.loads(row[1])), overridden=bool(row[3]))
        action(before, "?", reason, self.table)  # refused by the policy: say so before a PIN try is spent
        after = action(before, self.duty.confirm_on_duty(pin), reason, self.table)
        now = self.clock()
        period = modes.period_start(now, self.tz, self.cfg["occupancy.reset_hour"])
        kind = "override" if after.outcome is Outcome.PASS else "referral"
        with self.store.writing() as w:
            # the record leaves the kiosk: the free text is masked there; the full reason stays in gate_entries
            w.append(kind, {"entry_uuid": entry_uuid, "guard": after.override_by, "reason": mask_text(after.override_reason),
                            "original_outcome": str(before.outcome), "reasons": [str(r) for r in before.reasons],
                            **({"to": "fever-clinic"} if kind == "referral" else {})},
                     created_at=utc_iso(now))
            w.db.execute(
                "update gate_entries set outcome = ?, overridden = 1, original_outcome = ?, override_reason = ?,"
                " reasons = ?, guard = ? where record_uuid = ?",
                [str(after.outcome), str(before.outcome), after.override_reason, json.dumps([str(r) for r in after.reasons]),
                 after.override_by, entry_uuid],
            )
            if after.outcome is Outcome.PASS:
                modes.add_occupancy(w.db, period, 1 if row[2] == "in" else -1, utc_iso(now))
        return after


def _gate_alerts(w: Any, entry_uuid: str, at: str, direction: Direction, colour: Colour, id_masked: str,
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
