"""GateService.check -> Checked -> admit: the record is exactly the check the guard saw;
a check too old to trust is redone (and shown) before anything is recorded; a scanned
code is matched to the roster by its identity; the no-smartphone lane offline."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kiosk.domain.identity import DocType, check_digit
from kiosk.domain.masking import mask_id, mask_name
from kiosk.domain.models import (
    CodeFormat,
    CodeStatus,
    Colour,
    ColourSource,
    Mode,
    Outcome,
    PlatformAnswer,
    Reason,
    VerificationResult,
)
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.checks import IdEntry, Rechecked
from kiosk.service.common import InvalidInput
from kiosk.service.gate import GateService
from kiosk.service.people import save_person
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.recheck import recheck_pending
from tests.workflow.conftest import ID_CHAOYANG, ID_DEAN, Clock, ScriptedChecker

NORMAL = (Measurement(36.5, Method.INFRARED),)


class ChangingVerify:
    """A verifier whose answer the test changes (the platform changed the colour)."""

    def __init__(self, colour: Colour, id_number: str = "", name: str = "") -> None:
        self.colour, self.id_number, self.name, self.calls = colour, id_number, name, 0

    def __call__(self, payload: str) -> VerificationResult:
        self.calls += 1
        return VerificationResult(CodeFormat.CN_SIGNED, CodeStatus.VALID, self.colour, ColourSource.SIGNED,
                                  holder_name_masked=mask_name(self.name), id_masked=mask_id(self.id_number))


def _gate(store: Store, cfg: object, clock: Clock, vault: Vault, verify: Callable[[str], VerificationResult],
          checker: ScriptedChecker | None = None, **settings: object) -> GateService:
    c = cfg.replace(**settings) if settings else cfg  # type: ignore[attr-defined]
    return GateService(store, c, verify, clock, checker=checker, vault=vault)


def _resident(store: Store, vault: Vault, name: str, id_number: str | None, room: str = "401") -> str:
    with store.writing() as w:
        uid, _ = save_person(w.db, vault, kind="resident", name=name, now="2026-11-01T00:00:00+00:00", id_type="cn-id",
                             id_number=id_number, phone="", building="3", unit="2", room=room, source="bundle")
    return uid


def _entries(store: Store) -> list[dict[str, object]]:
    return [json.loads(r[0]) for r in store.db.execute("select body from journal where kind = 'gate_entry' order by seq")]


def test_admit_records_the_check_that_was_shown(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    verify = ChangingVerify(Colour.GREEN)
    gate = _gate(store, cfg, clock, vault, verify)
    checked = gate.check("HCN1:x")
    assert checked.code is not None and checked.code.colour is Colour.GREEN and not _entries(store)
    verify.colour = Colour.RED  # the colour changes while the guard takes the temperature
    clock.advance(seconds=60)  # within codes.check_max_age_s (120 s)
    out = gate.admit(checked, NORMAL)
    assert verify.calls == 1  # admit did not verify again behind the guard's back
    assert out.colour is Colour.GREEN and out.decision.outcome is Outcome.PASS
    body = _entries(store)[0]
    assert body["colour"] == "green" and body["checked_at"].startswith("2026-11-28T01:00:00")


def test_a_check_too_old_is_redone_and_shown_before_recording(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    verify = ChangingVerify(Colour.GREEN)
    gate = _gate(store, cfg, clock, vault, verify)
    checked = gate.check("HCN1:x")
    verify.colour = Colour.RED
    clock.advance(seconds=15 * 60)  # a fever re-measure took 15 minutes
    with pytest.raises(Rechecked) as redo:
        gate.admit(checked, NORMAL)
    assert verify.calls == 2 and redo.value.age_s == pytest.approx(900)
    fresh = redo.value.checked
    assert fresh.code is not None and fresh.code.colour is Colour.RED
    assert not _entries(store), "nothing may be recorded before the guard saw the new result"
    out = gate.admit(fresh, NORMAL)
    assert out.colour is Colour.RED and out.decision.outcome is Outcome.DENY
    assert [b["colour"] for b in _entries(store)] == ["red"]


def test_the_age_limit_is_a_setting(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), codes__check_max_age_s=900.0)
    checked = gate.check("HCN1:x")
    clock.advance(seconds=600)
    assert gate.admit(checked, NORMAL).decision.outcome is Outcome.PASS


def test_an_old_id_check_is_redone_by_id_number(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    checker = ScriptedChecker({ID_CHAOYANG: PlatformAnswer(Colour.GREEN)})
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), checker)
    checked = gate.check(IdEntry(ID_CHAOYANG))
    assert ID_CHAOYANG not in repr(checked) and ID_CHAOYANG not in repr(IdEntry(ID_CHAOYANG))
    checker.answers[ID_CHAOYANG] = PlatformAnswer(Colour.YELLOW)
    clock.advance(seconds=300)
    with pytest.raises(Rechecked) as redo:
        gate.admit(checked, NORMAL)
    assert checker.calls == [ID_CHAOYANG, ID_CHAOYANG]
    assert redo.value.checked.code is not None and redo.value.checked.code.colour is Colour.YELLOW


def test_lockdown_resident_passes_by_scan_alone(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    uid = _resident(store, vault, "张三", ID_CHAOYANG)
    _resident(store, vault, "李四", ID_DEAN, room="402")
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN, ID_CHAOYANG, "张三"))
    gate.set_mode(Mode.LOCKDOWN, by="admin")
    checked = gate.check("HCN1:resident")
    assert checked.person is not None and checked.person.uuid == uid and checked.matched_by == "code-identity"
    out = gate.admit(checked, NORMAL)
    assert out.decision.outcome is Outcome.PASS, out.decision
    assert _entries(store)[0]["matched_by"] == "code-identity"


def test_lockdown_visitor_code_is_not_matched(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    _resident(store, vault, "张三", ID_CHAOYANG)
    visitor_id = "110105199001010000"
    visitor_id = visitor_id[:17] + check_digit(visitor_id[:17])
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN, visitor_id, "王五"))
    gate.set_mode(Mode.LOCKDOWN, by="admin")
    checked = gate.check("HCN1:visitor")
    assert checked.person is None and checked.pick_roster and not checked.candidates
    out = gate.admit(checked, NORMAL)
    assert out.decision.outcome is Outcome.REVIEW and Reason.LOCKDOWN_NON_RESIDENT in out.decision.reasons


def test_same_masked_identity_offers_the_candidates_and_the_pick_decides(
    store: Store, cfg: object, clock: Clock, vault: Vault,
) -> None:
    # another birthday with the same region, sequence and check digit: the same masked number
    twin = next(n for d in range(1, 29) if (n := f"{ID_CHAOYANG[:10]}01{d:02d}{ID_CHAOYANG[14:17]}")
                and check_digit(n) == ID_CHAOYANG[-1]) + ID_CHAOYANG[-1]
    a = _resident(store, vault, "张三", ID_CHAOYANG)
    b = _resident(store, vault, "张伟", twin, room="402")  # masked name 张* as well
    assert mask_id(twin) == mask_id(ID_CHAOYANG)  # both fit 张* and the masked number
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN, ID_CHAOYANG, "张三"))
    gate.set_mode(Mode.LOCKDOWN, by="admin")
    checked = gate.check("HCN1:either")
    assert checked.person is None and {p.uuid for p in checked.candidates} == {a, b}
    checked = gate.pick(checked, a)
    assert checked.matched_by == "picked"
    assert checked.person is not None and checked.person.uuid == a
    assert gate.admit(checked, NORMAL).decision.outcome is Outcome.PASS
    with pytest.raises(InvalidInput):
        gate.pick(checked, "no-such-person")


def test_roster_pick_lists_residents_by_address(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    _resident(store, vault, "李四", ID_DEAN, room="402")
    _resident(store, vault, "张三", ID_CHAOYANG, room="401")
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN))
    assert [(p.room, p.name) for p in gate.roster()] == [("401", "张三"), ("402", "李四")]


def test_no_smartphone_lane_offline_resident_passes_on_registration(
    store: Store, cfg: object, clock: Clock, vault: Vault,
) -> None:
    uid = _resident(store, vault, "张三", ID_CHAOYANG)
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), ScriptedChecker())  # no answer
    checked = gate.check(IdEntry(ID_CHAOYANG))
    assert checked.offline_registration and not checked.needs_attestation  # no phone to look at
    assert checked.person is not None and checked.person.uuid == uid
    out = gate.admit(checked, NORMAL)
    assert out.decision.outcome is Outcome.PASS and Reason.CODE_UNVERIFIED in out.decision.notes
    assert out.recheck_pending
    body = _entries(store)[0]
    assert body["offline_registration"] is True and body["lane"] == "id-number" and ID_CHAOYANG not in json.dumps(body)
    # online again: the platform says red -> an alert; the registration stays recorded
    result = recheck_pending(store, ScriptedChecker({ID_CHAOYANG: PlatformAnswer(Colour.RED)}), vault)
    assert result.mismatched == 1
    assert store.db.execute("select count(*) from alerts where kind = 'recheck-mismatch'").fetchone()[0] == 1


def test_offline_registration_rechecked_green_is_no_alert(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    _resident(store, vault, "张三", ID_CHAOYANG)
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), ScriptedChecker())
    gate.admit(gate.check(IdEntry(ID_CHAOYANG)), NORMAL)
    result = recheck_pending(store, ScriptedChecker({ID_CHAOYANG: PlatformAnswer(Colour.GREEN)}), vault)
    assert (result.matched, result.mismatched) == (1, 0)


def test_no_smartphone_lane_offline_visitor_is_review(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), ScriptedChecker())
    out = gate.admit(gate.check(IdEntry(ID_DEAN)), NORMAL)
    assert out.person is None and out.decision.outcome is Outcome.REVIEW
    assert Reason.CODE_UNVERIFIED in out.decision.reasons


@pytest.mark.parametrize(
    ("doc_type", "number", "ok"),
    [
        (DocType.FOREIGN_PR, "9" + "31000" + "19800101" + "123", True),  # the 9-prefixed 18-character card
        (DocType.HKMT_PERMIT, "810000" + "19800101" + "123", True),
        (DocType.PASSPORT, "E12345678", True),
        (DocType.CN_ID, "9" + "31000" + "19800101" + "123", False),  # not a mainland ID
        (DocType.HKMT_PERMIT, ID_CHAOYANG, False),  # a mainland number is no permit
    ],
)
def test_no_smartphone_lane_document_types(
    store: Store, cfg: object, clock: Clock, vault: Vault, doc_type: DocType, number: str, ok: bool,
) -> None:
    if len(number) == 17:
        number += check_digit(number)
    checker = ScriptedChecker()
    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), checker)
    if ok:
        checked = gate.check(IdEntry(number, doc_type))
        assert checked.id_type == str(doc_type) and checker.calls == [number]
        assert gate.admit(checked, NORMAL).lane == "id-number"
    else:
        with pytest.raises(InvalidInput):
            gate.check(IdEntry(number, doc_type))
        assert checker.calls == []


def test_each_reading_keeps_its_own_time_and_method(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    import datetime as dt

    gate = _gate(store, cfg, clock, vault, ChangingVerify(Colour.GREEN), thermometer__remeasure_pause_s=60)
    t0 = clock.at
    checked = gate.check("HCN1:x")
    readings = (Measurement(37.8, Method.INFRARED, t0), Measurement(36.6, Method.CONTACT, t0 + dt.timedelta(seconds=70)))
    clock.advance(seconds=80)
    out = gate.admit(checked, readings)
    assert out.decision.outcome is Outcome.PASS
    rows = store.db.execute("select value_c, method, created_at from temperature_readings order by seq").fetchall()
    assert [(v, m, t[:19]) for v, m, t in rows] == [(37.8, "infrared", "2026-11-28T01:00:00"), (36.6, "contact", "2026-11-28T01:01:10")]
    too_soon = (Measurement(37.8, Method.INFRARED, t0), Measurement(36.6, Method.CONTACT, t0 + dt.timedelta(seconds=20)))
    assert gate.assess(too_soon).value == "remeasure-fever"  # a contact reading inside the pause does not count
