"""Who may decide at the gate (issue 10): only admin-listed guards with their own PIN, an
override only with that PIN again and the policy's leave, an attested colour only with a
guard on duty; wrong PINs journalled, with a growing lock-out and an admin unlock."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import pytest

from kiosk.config import Config
from kiosk.domain.models import Colour, Outcome, Reason
from kiosk.domain.policy import OverrideRefused
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.admin_pin import AdminPin, PinStatus
from kiosk.service.duty import DutyRoster, SignInRefused
from kiosk.service.gate import GateRequest, GateService
from kiosk.service.lockout import HARD_LIMIT, Lockout
from kiosk.service.pins import legacy_scrypt_hash, verify_pin
from kiosk.store.db import Store
from kiosk.ui.adapters.duty_status import DutyAdapter
from tests.workflow.conftest import GUARD, GUARD_PIN, Clock, sign_in_guard

NORMAL = (Measurement(36.5, Method.INFRARED),)
FEVER = (Measurement(38.0, Method.INFRARED), Measurement(37.9, Method.CONTACT))


def _kinds(store: Store, like: str) -> list[str]:
    return [k for (k,) in store.db.execute("select kind from journal where kind like ? order by seq", [like])]


# --- sign-in -----------------------------------------------------------------------------
def test_a_made_up_name_on_the_sign_in_screen_adds_no_guard_and_signs_nobody_in(gate: GateService, store: Store) -> None:
    screen = DutyAdapter(gate.duty)  # what the guard screen calls
    result = screen.sign_in("冒充者", "2580")
    assert result.errors and "not on the duty roster" in result.errors[""][1]
    assert store.db.execute("select count(*) from guards").fetchone()[0] == 0
    assert gate.duty.on_duty() == [] and _kinds(store, "guard%") == [] and _kinds(store, "shift%") == []


def test_a_listed_guard_signs_in_on_the_screen_with_their_pin(gate: GateService) -> None:
    gate.duty.add_guard("周军", "01088886666", pin="2580")
    screen = DutyAdapter(gate.duty)
    assert "wrong PIN" in screen.sign_in("周军", "1357").errors[""][1]
    assert "wrong PIN" in screen.sign_in("周军", "").errors[""][1]  # no PIN is a wrong PIN
    assert screen.sign_in("周军", "2580").ok
    assert screen.on_duty().names == ("周军",) and screen.on_duty().phone == "01088886666"


def test_add_guard_needs_a_pin_that_is_not_guessable(gate: GateService) -> None:
    for pin in ("", "1111", "1234", "12a4"):
        with pytest.raises(ValueError, match="PIN"):
            gate.duty.add_guard("王", pin=pin)
    gate.duty.add_guard("王", pin="2580")
    (stored,) = gate.store.db.execute("select pin_hash from guards").fetchone()
    assert stored.startswith("$argon2id$") and verify_pin("2580", stored).ok


def test_a_guard_from_before_pins_cannot_sign_in_until_an_admin_sets_one(gate: GateService, store: Store) -> None:
    with store.writing() as w:  # a guard the old screen created by a typed name: no PIN
        w.db.execute("insert into guards (uuid, name, duty_phone, pin_hash, created_at) values ('g1', '老王', '', null, 'x')")
    with pytest.raises(SignInRefused, match="no PIN yet"):
        gate.duty.sign_in("老王", "")
    gate.duty.set_pin("老王", "2580")
    assert gate.duty.sign_in("老王", "2580").name == "老王"
    assert "guard_pin_set" in _kinds(store, "guard%")


def test_an_old_scrypt_guard_hash_still_signs_in_and_is_upgraded(gate: GateService, store: Store) -> None:
    gate.duty.add_guard("王", pin="2580")
    with store.writing() as w:
        w.db.execute("update guards set pin_hash = ?", [legacy_scrypt_hash("2580", secrets.token_bytes(16))])
    assert gate.duty.sign_in("王", "2580").name == "王"
    (stored,) = store.db.execute("select pin_hash from guards").fetchone()
    assert stored.startswith("$argon2id$") and verify_pin("2580", stored).ok


# --- override ------------------------------------------------------------------------------
def test_override_needs_the_guard_on_duty_and_their_pin_again(gate: GateService, store: Store) -> None:
    out = gate.pass_gate(GateRequest(qr_text="YELLOW:x", readings=NORMAL))
    with pytest.raises(SignInRefused, match="no guard is signed in"):
        gate.override(out.entry_uuid, "居委会电话确认", GUARD_PIN)
    sign_in_guard(gate)
    with pytest.raises(SignInRefused, match="wrong PIN"):
        gate.override(out.entry_uuid, "居委会电话确认", "")
    with pytest.raises(SignInRefused, match="wrong PIN"):
        gate.override(out.entry_uuid, "居委会电话确认", "1357")
    assert store.db.execute("select outcome, overridden from gate_entries").fetchone() == ("review", 0)
    assert _kinds(store, "override") == [] and _kinds(store, "pin_failed") == ["pin_failed", "pin_failed"]
    failed = json.loads(store.db.execute("select body from journal where kind = 'pin_failed' order by seq desc").fetchone()[0])
    assert failed == {"pin": "guard", "guard": GUARD, "guard_uuid": failed["guard_uuid"], "failures": 2}
    after = gate.override(out.entry_uuid, "居委会电话确认", GUARD_PIN)
    assert after.outcome is Outcome.PASS and after.override_by == GUARD


def test_the_guard_who_confirms_is_the_one_on_duty_not_any_guard(gate: GateService) -> None:
    gate.duty.add_guard("甲", pin="2580")
    gate.duty.add_guard("乙", pin="1357")
    gate.duty.sign_in("甲", "2580")
    out = gate.pass_gate(GateRequest(qr_text="YELLOW:x", readings=NORMAL))
    with pytest.raises(SignInRefused, match="wrong PIN"):
        gate.override(out.entry_uuid, "熟人", "1357")  # another guard's PIN, not on duty
    assert gate.override(out.entry_uuid, "熟人", "2580").override_by == "甲"


def test_red_code_is_not_overridable_by_default_and_only_with_the_setting(make_gate: object, store: Store) -> None:
    gate = make_gate()  # type: ignore[operator]
    sign_in_guard(gate)
    red = gate.pass_gate(GateRequest(qr_text="RED:x", readings=NORMAL))
    with pytest.raises(OverrideRefused, match="red code"):
        gate.override(red.entry_uuid, "熟人", GUARD_PIN)
    assert _kinds(store, "pin_failed") == []  # refused by the policy before a PIN try is spent
    lenient = make_gate(policy__override_red_code=True)  # type: ignore[operator]
    assert lenient.override(red.entry_uuid, "熟人", GUARD_PIN).outcome is Outcome.PASS


def test_confirmed_fever_is_never_let_through_only_referred(make_gate: object, store: Store) -> None:
    gate = make_gate(policy__override_red_code=True)  # type: ignore[operator]
    sign_in_guard(gate)
    hot = gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=FEVER))
    with pytest.raises(OverrideRefused, match="fever clinic"):
        gate.override(hot.entry_uuid, "医生放行", GUARD_PIN)
    referred = gate.refer_to_fever_clinic(hot.entry_uuid, "送发热门诊", GUARD_PIN)
    assert referred.outcome is Outcome.DENY and Reason.REFERRED_FEVER_CLINIC in referred.reasons
    row = store.db.execute("select outcome, overridden, override_reason, guard from gate_entries").fetchone()
    assert row == ("deny", 1, "送发热门诊", GUARD)
    body = json.loads(store.db.execute("select body from journal where kind = 'referral'").fetchone()[0])
    assert body["to"] == "fever-clinic" and body["guard"] == GUARD
    never = make_gate(policy__override_fever="never")  # type: ignore[operator]
    hot2 = never.pass_gate(GateRequest(qr_text="GREEN:y", readings=FEVER))
    with pytest.raises(OverrideRefused, match="override_fever"):
        never.refer_to_fever_clinic(hot2.entry_uuid, "送发热门诊", GUARD_PIN)


# --- attested colour ---------------------------------------------------------------------------
def test_an_attested_green_with_nobody_on_duty_is_review_never_pass(gate: GateService, make_gate: object) -> None:
    out = gate.pass_gate(GateRequest(qr_text="TOKEN:t", attested_colour=Colour.GREEN, readings=NORMAL))
    assert out.decision.outcome is Outcome.REVIEW and Reason.NO_GUARD_ON_DUTY in out.decision.reasons
    lenient = make_gate(policy__unverified_unattested="pass", policy__unverified_attested_green="pass")  # type: ignore[operator]
    again = lenient.pass_gate(GateRequest(qr_text="TOKEN:u", attested_colour=Colour.GREEN, readings=NORMAL))
    assert again.decision.outcome is Outcome.REVIEW  # no setting turns an unvouched colour into a pass
    sign_in_guard(gate)
    vouched = gate.pass_gate(GateRequest(qr_text="TOKEN:v", attested_colour=Colour.GREEN, readings=NORMAL))
    assert vouched.decision.outcome is Outcome.PASS


# --- lock-out --------------------------------------------------------------------------------
def test_admin_pin_lockout_grows_5_15_60_minutes_and_is_journalled(store: Store, cfg: Config, clock: Clock) -> None:
    pin = AdminPin(store, cfg.data_dir, clock)
    pin.set_pin("2468")
    waits = []
    for _round in range(3):
        results = [pin.verify("0000") for _ in range(5)]
        assert [r.status for r in results] == [PinStatus.WRONG] * 4 + [PinStatus.LOCKED]
        until = results[-1].locked_until
        assert until is not None
        waits.append(until - clock())
        assert pin.verify("2468").status is PinStatus.LOCKED  # even the right PIN waits
        clock.at = until + dt.timedelta(seconds=1)
    assert waits == [dt.timedelta(minutes=5), dt.timedelta(minutes=15), dt.timedelta(hours=1)]
    assert _kinds(store, "pin_failed").count("pin_failed") == 15 and _kinds(store, "pin_locked") == ["pin_locked"] * 3
    assert pin.verify("2468").ok
    assert pin.lockout.state().failures == 0  # a right PIN starts the count again


def test_after_100_wrong_tries_in_a_row_only_an_admin_unlocks(store: Store, clock: Clock) -> None:
    lock = Lockout(store, "guard:g1", {"pin": "guard", "guard": "王"}, clock)
    for _ in range(HARD_LIMIT - 1):
        state = lock.failed()
        clock.at = (state.locked_until or clock()) + dt.timedelta(seconds=1)  # wait out every lock
    assert not lock.state().locked_at(clock())
    state = lock.failed()
    assert state.hard and state.locked_at(clock() + dt.timedelta(days=365))
    body = json.loads(store.db.execute("select body from journal where kind = 'pin_locked' order by seq desc").fetchone()[0])
    assert body["admin_unlock"] is True and body["failures"] == HARD_LIMIT
    assert lock.unlock("admin") and not lock.state().locked_at(clock())
    assert _kinds(store, "pin_unlocked") == ["pin_unlocked"]


def test_guard_lockout_and_admin_unlock(gate: GateService, store: Store, clock: Clock) -> None:
    roster: DutyRoster = gate.duty
    roster.add_guard("赵六", pin="2580")
    for _ in range(4):
        with pytest.raises(SignInRefused, match="wrong PIN"):
            roster.sign_in("赵六", "0000")
    with pytest.raises(SignInRefused, match="locked until"):
        roster.sign_in("赵六", "0000")
    with pytest.raises(SignInRefused, match="locked until"):
        roster.sign_in("赵六", "2580")
    assert roster.unlock("赵六", by="admin")
    assert roster.sign_in("赵六", "2580").name == "赵六"


def test_an_old_scrypt_admin_hash_still_verifies_and_is_upgraded(store: Store, cfg: Config) -> None:
    pin = AdminPin(store, cfg.data_dir)
    pin.path.parent.mkdir(parents=True, exist_ok=True)
    pin.path.write_text(legacy_scrypt_hash("2468", secrets.token_bytes(16)) + "\n")
    assert not pin.verify("1357").ok
    assert pin.verify("2468").ok
    assert pin.path.read_text().startswith("$argon2id$") and pin.verify("2468").ok
