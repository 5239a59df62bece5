"""Step 1 of a gate pass: verify a scanned code, an ID number or a roster person, and find whom
it belongs to. Records nothing (GateService.check, .pick and .recheck are this step)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kiosk.domain.identity import DocType, FieldError, validate_id
from kiosk.domain.masking import mask_id
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource, Mode, PlatformAnswer, VerificationResult
from kiosk.domain.report import local_day
from kiosk.service.checks import Checked, IdEntry
from kiosk.service.common import InvalidInput
from kiosk.service.gate_parts import GateParts, Verify
from kiosk.service.holder import holder_candidates
from kiosk.service.people import PersonView, find_by_id_number, get_person


def check(gate: GateParts, what: str | IdEntry | None, person_uuid: str | None = None) -> Checked:
    """A scanned code (str) or an ID number (IdEntry), or a roster person without either (None + person_uuid)."""
    now = gate.clock()
    person = get_person(gate.store.db, person_uuid) if person_uuid else None
    if person_uuid and person is None:
        raise _unknown_person()
    given = "given" if person else ""
    if isinstance(what, str):
        code = _verify_safely(gate.verify, what)
        candidates = () if person else tuple(holder_candidates(gate.store.db, code))
        if person is None and len(candidates) == 1:
            person, given, candidates = candidates[0], "code-identity", ()
        lockdown = gate.mode().mode is Mode.LOCKDOWN
        return Checked("scan", code, person, given, now, qr_text=what, candidates=candidates,
                       pick_roster=lockdown and person is None)
    if what is None and person is not None:
        row = gate.store.db.execute("select id_cipher, id_type from people where uuid = ?", [person.uuid]).fetchone()
        if not (row and row[0]):  # on the roster without an ID number: only the guard's attestation
            code = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, reason="no ID number on file")
            return Checked("roster", code, person, given, now)
        what = IdEntry(gate.vault.reveal(row[0]), DocType(row[1] or DocType.CN_ID), "roster")
    if what is None or not what.number.strip():
        return Checked("none", None, person, given, now)
    return _check_id(gate, what, person, given, now)


def _check_id(gate: GateParts, entry: IdEntry, person: PersonView | None, given: str, now: dt.datetime) -> Checked:
    check = validate_id(entry.doc_type, entry.number, local_day(now, gate.tz))
    if not check.ok:
        raise InvalidInput(check.errors)
    if person is None:
        person = find_by_id_number(gate.store.db, gate.vault, check.number)
        given = "id-number" if person else ""
    lane = "roster" if entry.source == "roster" else "id-number"
    masked = mask_id(check.number)
    answer = _ask_platform(gate, check.number)  # 代查: the platform looks the code up by ID number
    if answer is not None and answer.colour is not Colour.NONE:
        code = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.VALID, answer.colour, ColourSource.ONLINE,
                                  reason="asked the platform by ID number", holder_name_masked=answer.name_masked,
                                  id_masked=masked)
    else:
        why = "the platform has no code for this ID number" if answer else "offline: no online check by ID number"
        code = VerificationResult(CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, reason=why, id_masked=masked)
    return Checked(lane, code, person, given, now, id_masked=masked, id_cipher=gate.vault.protect(check.number)[0],
                   id_type=str(entry.doc_type), id_source=entry.source)


def pick(gate: GateParts, checked: Checked, person_uuid: str) -> Checked:
    """The guard picked the person from the roster (or the code's candidates)."""
    person = get_person(gate.store.db, person_uuid)
    if person is None:
        raise _unknown_person()
    return replace(checked, person=person, matched_by="picked", candidates=(), pick_roster=False)


def recheck(gate: GateParts, checked: Checked) -> Checked:
    """The same check again, now (a check too old to trust)."""
    keep = checked.person.uuid if checked.person and checked.matched_by in ("given", "picked") else None
    if checked.lane == "scan":
        return check(gate, checked.qr_text, keep)
    if checked.id_cipher is not None:
        entry = IdEntry(gate.vault.reveal(checked.id_cipher), DocType(checked.id_type or DocType.CN_ID),
                        checked.id_source or "typed")
        return check(gate, entry, keep)
    return check(gate, None, keep)


def _ask_platform(gate: GateParts, id_number: str) -> PlatformAnswer | None:
    if gate.checker is None:
        return None
    try:
        return gate.checker.check(id_number=id_number)
    except Exception:  # the contract says None when offline; a failing client is offline too
        return None


def _verify_safely(verify: Verify, text: str) -> VerificationResult:
    try:
        return verify(text)
    except Exception as exc:  # the contract says verify never raises; a bug must not lose the pass
        return VerificationResult(CodeFormat.UNKNOWN, CodeStatus.MALFORMED, reason=f"verifier error: {type(exc).__name__}")


def _unknown_person() -> InvalidInput:
    return InvalidInput([FieldError("person_uuid", "unknown-person", "找不到此人员", "no such person on this kiosk")])
