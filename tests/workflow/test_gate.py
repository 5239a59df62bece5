"""GateService on a real SQLite store: every pass recorded (journal + outbox + projections)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kiosk.domain.identity import DocType
from kiosk.domain.models import Colour, ColourSource, Direction, Mode, Outcome, PersonKind, PlatformAnswer, Reason
from kiosk.domain.policy import OverrideRefused
from kiosk.domain.temperature import Measurement, Method, Verdict
from kiosk.service.common import InvalidInput
from kiosk.service.gate import GateRequest, GateService
from kiosk.service.people import save_person
from kiosk.store import state
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from tests.workflow.conftest import GUARD_PIN, ID_CHAOYANG, ID_DEAN, Clock, ScriptedChecker, sign_in_guard

NORMAL = (Measurement(36.5, Method.INFRARED),)
FEVER = (Measurement(37.8, Method.INFRARED), Measurement(37.6, Method.CONTACT))


def one(store: Store, sql: str, args: list[object] | None = None) -> tuple[object, ...]:
    row = store.db.execute(sql, args or []).fetchone()
    assert row is not None
    return tuple(row)


def test_green_pass_is_committed_with_outbox_and_projections(gate: GateService, store: Store) -> None:
    out = gate.pass_gate(GateRequest(qr_text="GREEN:abc", readings=NORMAL))
    assert out.decision.outcome is Outcome.PASS and out.colour is Colour.GREEN and out.colour_source is ColourSource.SIGNED
    kind, body = one(store, "select kind, body from journal where uuid = ?", [out.entry_uuid])
    assert kind == "gate_entry" and json.loads(str(body))["outcome"] == "pass"
    assert one(store, "select state from outbox where seq = ?", [out.seq]) == ("pending",)
    assert one(store, "select outcome, code_colour, temperature_c, lane from gate_entries where record_uuid = ?", [out.entry_uuid]) == ("pass", "green", 36.5, "scan")
    assert one(store, "select value_c, method, classification, valid from temperature_readings where entry_uuid = ?", [out.entry_uuid]) == (36.5, "infrared", "normal", 1)
    assert store.check() == []
    assert out.occupancy == 1


def test_red_code_is_denied(gate: GateService) -> None:
    out = gate.pass_gate(GateRequest(qr_text="RED:x", readings=NORMAL))
    assert out.decision.outcome is Outcome.DENY and Reason.CODE_RED in out.decision.reasons
    assert out.occupancy == 0


def test_confirmed_fever_keeps_both_readings_and_raises_an_alert(gate: GateService, store: Store) -> None:
    out = gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=FEVER))
    assert out.decision.outcome is Outcome.DENY and out.temperature is Verdict.FEVER_CONFIRMED
    readings = store.db.execute("select value_c, method from temperature_readings where entry_uuid = ? order by seq", [out.entry_uuid]).fetchall()
    assert readings == [(37.8, "infrared"), (37.6, "contact")]
    assert one(store, "select kind, entry_uuid from alerts") == ("fever-confirmed", out.entry_uuid)
    assert one(store, "select fever_confirmed from gate_entries where record_uuid = ?", [out.entry_uuid]) == (1,)


def test_bad_reading_is_kept_but_never_valid(gate: GateService, store: Store) -> None:
    out = gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=(Measurement(52.0, Method.INFRARED),)))
    assert out.decision.outcome is Outcome.REVIEW and Reason.TEMPERATURE_BAD in out.decision.reasons
    assert one(store, "select valid, classification from temperature_readings") == (0, "bad")
    assert one(store, "select temperature_c from gate_entries") == (None,)


def test_unverified_token_attested_green_passes_and_waits_for_a_recheck(on_duty: GateService, store: Store) -> None:
    gate = on_duty
    out = gate.pass_gate(GateRequest(qr_text="TOKEN:https://hc.example/t/123", attested_colour=Colour.GREEN, readings=NORMAL))
    assert out.decision.outcome is Outcome.PASS and Reason.CODE_UNVERIFIED in out.decision.notes
    assert out.colour_source is ColourSource.ATTESTED and out.recheck_pending
    assert one(store, "select qr_text, attested_colour, id_cipher from pending_rechecks where entry_uuid = ?", [out.entry_uuid]) == ("TOKEN:https://hc.example/t/123", "green", None)
    assert one(store, "select colour_source, code_status from gate_entries") == ("attested", "unverified")


def test_override_is_recorded_with_guard_and_reason(gate: GateService, store: Store) -> None:
    gate.duty.add_guard("王建国", "010-12345678", pin="2580")
    gate.duty.sign_in("王建国", "2580")
    out = gate.pass_gate(GateRequest(qr_text="YELLOW:x", readings=NORMAL))
    assert out.decision.outcome is Outcome.REVIEW
    with pytest.raises(InvalidInput, match="required"):
        gate.override(out.entry_uuid, "", "2580")
    with pytest.raises(InvalidInput, match="too long"):
        gate.override(out.entry_uuid, "x" * 501, "2580")
    with pytest.raises(OverrideRefused, match="needs a reason"):
        gate.override(out.entry_uuid, "x", "2580")
    after = gate.override(out.entry_uuid, "居委会电话确认", "2580")
    assert after.outcome is Outcome.PASS and after.override_by == "王建国" and after.original_outcome is Outcome.REVIEW
    assert one(store, "select outcome, overridden, original_outcome, override_reason, guard from gate_entries") == ("pass", 1, "review", "居委会电话确认", "王建国")
    body = json.loads(str(one(store, "select body from journal where kind = 'override'")[0]))
    assert body["guard"] == "王建国" and body["entry_uuid"] == out.entry_uuid
    assert gate.occupancy().current == 1
    with pytest.raises(OverrideRefused):
        gate.override(out.entry_uuid, "again", "2580")  # already a pass


def test_override_of_a_denied_exit_lowers_occupancy(make_gate: Callable[..., GateService], store: Store) -> None:
    gate = make_gate(policy__override_red_code=True)  # a community that lets guards override a red code
    sign_in_guard(gate)
    for _ in range(2):
        assert gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=NORMAL)).decision.outcome is Outcome.PASS
    out = gate.pass_gate(GateRequest(qr_text="RED:x", readings=NORMAL, direction=Direction.OUT))
    assert out.decision.outcome is Outcome.DENY and Reason.CODE_RED in out.decision.reasons
    assert out.occupancy == 2 and gate.occupancy().current == 2  # a denied exit did not leave
    after = gate.override(out.entry_uuid, "送医，社区医生陪同", GUARD_PIN)
    assert after.outcome is Outcome.PASS and after.original_outcome is Outcome.DENY
    assert gate.occupancy().current == 1, "the person let out by the guard is no longer inside"
    assert one(store, "select direction, outcome, overridden from gate_entries where record_uuid = ?", [out.entry_uuid]) == ("out", "pass", 1)


def test_a_verified_code_wins_over_the_guards_report_which_is_kept_and_flagged(gate: GateService, store: Store) -> None:
    out = gate.pass_gate(GateRequest(qr_text="GREEN:abc", attested_colour=Colour.RED, readings=NORMAL))
    assert out.decision.outcome is Outcome.PASS and (out.colour, out.colour_source) == (Colour.GREEN, ColourSource.SIGNED)
    assert Reason.ATTESTED_MISMATCH in out.decision.notes
    body = json.loads(str(one(store, "select body from journal where uuid = ?", [out.entry_uuid])[0]))
    assert body["attested_colour"] == "red" and "attested-mismatch" in body["notes"]  # kept and flagged in the record
    assert (body["colour"], body["colour_source"], body["outcome"]) == ("green", "signed", "pass")
    assert one(store, "select code_colour, colour_source, outcome from gate_entries") == ("green", "signed", "pass")
    assert not out.recheck_pending
    same = gate.pass_gate(GateRequest(qr_text="GREEN:abd", attested_colour=Colour.GREEN, readings=NORMAL))
    assert Reason.ATTESTED_MISMATCH not in same.decision.notes


def test_every_record_carries_the_guard(gate: GateService, store: Store) -> None:
    gate.duty.add_guard("李四", "13900001111", pin="2580")
    with pytest.raises(ValueError, match="wrong PIN"):
        gate.duty.sign_in("李四", "0000")
    gate.duty.sign_in("李四", "2580")
    gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=NORMAL))
    assert one(store, "select guard from gate_entries") == ("李四",)
    assert [d.name for d in gate.duty.on_duty()] == ["李四"] and gate.duty.on_duty()[0].duty_phone == "13900001111"
    assert gate.duty.sign_out("李四") and gate.duty.on_duty() == []
    assert [r[0] for r in store.db.execute("select kind from journal where kind like 'shift%' order by seq")] == ["shift_start", "shift_end"]


def _resident(store: Store, vault: Vault, id_number: str = ID_CHAOYANG) -> str:
    with store.writing() as w:
        uid, _ = save_person(w.db, vault, kind="resident", name="张三", now="2026-11-01T00:00:00+00:00", id_type="cn-id",
                             id_number=id_number, phone="13812345678", building="3", unit="2", room="401", source="bundle")
    return uid


def test_no_smartphone_lane_online(make_gate: Callable[..., GateService], store: Store, vault: Vault) -> None:
    uid = _resident(store, vault)
    checker = ScriptedChecker({ID_CHAOYANG: PlatformAnswer(Colour.GREEN, "张*", "110***********002X", "2026-11-28T00:00:00Z")})
    gate = make_gate(checker)
    out = gate.pass_gate(GateRequest(id_number=ID_CHAOYANG.lower(), readings=NORMAL))
    assert checker.calls == [ID_CHAOYANG]
    assert out.lane == "id-number" and out.colour_source is ColourSource.ONLINE and out.decision.outcome is Outcome.PASS
    assert out.person is not None and out.person.uuid == uid and out.id_masked == "110***********002X"
    assert store.db.execute("select count(*) from pending_rechecks").fetchone()[0] == 0
    body = str(one(store, "select body from journal where kind = 'gate_entry'")[0])
    assert ID_CHAOYANG not in body and "110***********002X" in body


def test_no_smartphone_lane_offline_uses_the_attestation(make_gate: Callable[..., GateService], store: Store, vault: Vault) -> None:
    uid = _resident(store, vault)
    gate = make_gate(ScriptedChecker())  # the platform does not answer
    sign_in_guard(gate)
    out = gate.pass_gate(GateRequest(person_uuid=uid, attested_colour=Colour.GREEN, readings=NORMAL))
    assert out.lane == "roster" and out.colour_source is ColourSource.ATTESTED and out.decision.outcome is Outcome.PASS
    cipher = one(store, "select id_cipher from pending_rechecks where entry_uuid = ?", [out.entry_uuid])[0]
    assert vault.reveal(bytes(cipher)) == ID_CHAOYANG  # type: ignore[arg-type]


def test_no_smartphone_lane_rejects_a_wrong_number_and_records_nothing(gate: GateService, store: Store) -> None:
    with pytest.raises(InvalidInput) as err:
        gate.pass_gate(GateRequest(id_number="110105194912310021"))
    assert err.value.by_field()["id_number"].code == "bad-check-digit"
    assert store.db.execute("select count(*) from journal").fetchone()[0] == 0


def test_lockdown_only_roster_residents_pass(make_gate: Callable[..., GateService], store: Store, vault: Vault) -> None:
    uid = _resident(store, vault)
    gate = make_gate(ScriptedChecker({ID_CHAOYANG: PlatformAnswer(Colour.GREEN)}))
    assert gate.mode().mode is Mode.NORMAL
    gate.set_mode(Mode.LOCKDOWN, by="admin")
    assert gate.mode().mode is Mode.LOCKDOWN and gate.mode().source == "admin"
    assert gate.pass_gate(GateRequest(person_uuid=uid, readings=NORMAL)).decision.outcome is Outcome.PASS
    visitor = gate.pass_gate(GateRequest(qr_text="GREEN:v", person_kind=PersonKind.VISITOR, readings=NORMAL))
    assert visitor.decision.outcome is Outcome.REVIEW and Reason.LOCKDOWN_NON_RESIDENT in visitor.decision.reasons
    unknown = gate.pass_gate(GateRequest(qr_text="GREEN:r", readings=NORMAL))  # says resident, not on the roster
    assert unknown.decision.outcome is Outcome.REVIEW
    assert make_gate(policy__lockdown_visitor="deny").pass_gate(
        GateRequest(qr_text="GREEN:v", person_kind=PersonKind.VISITOR, readings=NORMAL)).decision.outcome is Outcome.DENY


def test_mode_sources(make_gate: Callable[..., GateService], store: Store, clock: Clock) -> None:
    gate = make_gate()
    with store.writing() as w:
        state.put(w.db, state.MODE_FROM_BUNDLE, "lockdown", "2026-11-28T00:00:00+00:00")
    assert gate.mode().mode is Mode.LOCKDOWN and gate.mode().source == "bundle"
    gate.set_mode(Mode.NORMAL, by="admin")  # newer than the bundle
    assert gate.mode().mode is Mode.NORMAL
    assert make_gate(policy__mode="lockdown").mode().source == "settings"


def test_occupancy_capacity_and_daily_reset(make_gate: Callable[..., GateService], clock: Clock) -> None:
    gate = make_gate(occupancy__capacity=2)
    for _ in range(2):
        assert gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=NORMAL)).decision.outcome is Outcome.PASS
    full = gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=NORMAL))
    assert full.decision.outcome is Outcome.REVIEW and full.decision.reasons == (Reason.AT_CAPACITY,)
    assert gate.pass_gate(GateRequest(direction=Direction.OUT)).occupancy == 1
    assert gate.occupancy().current == 1 and not gate.occupancy().full
    clock.advance(hours=24)
    assert gate.occupancy().current == 0


def test_verifier_that_raises_does_not_lose_the_pass(store: Store, cfg: object, clock: Clock, vault: Vault) -> None:
    def broken(_: str) -> object:
        raise RuntimeError("bug")

    gate = GateService(store, cfg, broken, clock, vault=vault)  # type: ignore[arg-type]
    out = gate.pass_gate(GateRequest(qr_text="anything", readings=NORMAL))
    assert out.decision.outcome is Outcome.DENY and Reason.CODE_INVALID in out.decision.reasons
    assert store.check() == []


def test_visitor_from_a_risk_area_with_key_group(gate: GateService, store: Store) -> None:
    from kiosk.service.visitors import VisitorForm

    with store.writing() as w:
        w.db.execute("insert into risk_areas (region_code, level, since) values ('110100', 'medium', '2026-11-20')")
    form = VisitorForm(name="阿依古丽·买买提", phone="13912345678", id_type=DocType.CN_ID, id_number=ID_DEAN,
                       origin_region="110105", reason="探亲", host_building="3", host_unit="2", host_room="401", cold_chain=True)
    visitor = gate.register_visitor(form)
    assert visitor.risk_level == "medium" and visitor.person.key_groups == ("cold-chain",)
    assert visitor.person.id_masked == "360***********0071" and visitor.person.phone_masked == "139****5678"
    out = gate.pass_gate(GateRequest(qr_text="GREEN:x", person_uuid=visitor.person.uuid, readings=NORMAL))
    assert out.decision.outcome is Outcome.REVIEW
    assert set(out.decision.reasons) == {Reason.KEY_GROUP, Reason.RISK_AREA}
    body = str(one(store, "select body from journal where kind = 'visitor'")[0])
    assert ID_DEAN not in body and "13912345678" not in body
    stored = one(store, "select id_cipher, phone_cipher from people where uuid = ?", [visitor.person.uuid])
    assert ID_DEAN.encode() not in bytes(stored[0]) and b"13912345678" not in bytes(stored[1])  # type: ignore[arg-type]


def test_visitor_form_reports_every_bad_field(gate: GateService, store: Store) -> None:
    from kiosk.service.visitors import VisitorForm

    form = VisitorForm(name="", phone="12345", id_type="cn-id", id_number="110105194912310021", origin_region="999999",
                       reason="", host_building="")
    with pytest.raises(InvalidInput) as err:
        gate.register_visitor(form)
    fields = err.value.by_field()
    assert set(fields) == {"name", "phone", "id_number", "origin_region", "reason", "host_building"}
    assert all(e.zh and e.en for e in fields.values())
    assert store.db.execute("select count(*) from people").fetchone()[0] == 0


def test_roster_pick_without_an_id_number_uses_the_attestation(on_duty: GateService, store: Store, vault: Vault) -> None:
    gate = on_duty
    with store.writing() as w:
        uid, _ = save_person(w.db, vault, kind="resident", name="王奶奶", now="2026-11-01T00:00:00+00:00", building="1")
    out = gate.pass_gate(GateRequest(person_uuid=uid, attested_colour=Colour.GREEN, readings=NORMAL))
    assert out.lane == "roster" and out.colour_source is ColourSource.ATTESTED and out.decision.outcome is Outcome.PASS
    assert store.db.execute("select count(*) from pending_rechecks").fetchone()[0] == 0  # nothing to re-check with


def test_roster_pick_with_a_passport_on_file(make_gate: Callable[..., GateService], store: Store, vault: Vault) -> None:
    with store.writing() as w:
        uid, _ = save_person(w.db, vault, kind="resident", name="John Smith", now="2026-11-01T00:00:00+00:00",
                             id_type="passport", id_number="E12345678", building="2")
    checker = ScriptedChecker({"E12345678": PlatformAnswer(Colour.YELLOW)})
    out = make_gate(checker).pass_gate(GateRequest(person_uuid=uid, readings=NORMAL))
    assert checker.calls == ["E12345678"] and out.colour is Colour.YELLOW and out.decision.outcome is Outcome.REVIEW


def test_a_failing_checker_counts_as_offline(make_gate: Callable[..., GateService]) -> None:
    class Broken:
        def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
            raise ConnectionError("boom")

    gate = make_gate(Broken())
    sign_in_guard(gate)
    out = gate.pass_gate(GateRequest(id_number=ID_DEAN, attested_colour=Colour.GREEN, readings=NORMAL))
    assert out.colour_source is ColourSource.ATTESTED and out.recheck_pending


def test_unknown_person_is_refused(gate: GateService) -> None:
    with pytest.raises(InvalidInput, match="no such person"):
        gate.pass_gate(GateRequest(person_uuid="nope"))
    with pytest.raises(InvalidInput, match="no such gate entry"):
        gate.override("nope", "reason", "2580")


def test_non_finite_readings_are_recorded_as_bad(gate: GateService, store: Store) -> None:
    out = gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=(Measurement(float("inf"), Method.INFRARED), Measurement(float("nan"), Method.KEYPAD))))
    assert out.temperature is Verdict.REMEASURE_BAD and out.decision.outcome is Outcome.REVIEW
    assert store.db.execute("select value_c, valid from temperature_readings order by seq").fetchall() == [(None, 0), (None, 0)]
    assert store.check() == []


def test_attested_none_means_not_attested(gate: GateService) -> None:
    out = gate.pass_gate(GateRequest(qr_text="TOKEN:t", attested_colour=Colour.NONE, readings=NORMAL))
    assert out.decision.outcome is Outcome.REVIEW and Reason.CODE_UNVERIFIED in out.decision.reasons
    assert (out.colour, out.colour_source) == (Colour.NONE, ColourSource.NONE)
    assert gate.store.db.execute("select attested_colour from pending_rechecks").fetchone() == (None,)


def test_guard_pin_locks_after_five_wrong_tries(gate: GateService, clock: Clock) -> None:
    gate.duty.add_guard("赵六", pin="2580")
    for _ in range(5):
        with pytest.raises(ValueError, match="wrong PIN"):
            gate.duty.sign_in("赵六", "0000")
    with pytest.raises(ValueError, match="too many"):
        gate.duty.sign_in("赵六", "2580")
    clock.advance(minutes=5, seconds=1)
    assert gate.duty.sign_in("赵六", "2580").name == "赵六"
    with pytest.raises(ValueError, match="not on the duty roster"):
        gate.duty.sign_in("nobody", "2580")
