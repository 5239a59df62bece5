"""Duty roster: guards from the admin's list sign in with their own PIN, and out; every record carries the guard.

The on-duty names and duty phones are public on the idle screen, as the notice asks.
Shifts are journal records ('shift_start', 'shift_end') with a projection in duty_shifts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import uuid6

from kiosk.domain.identity import FieldError, validate_name
from kiosk.service.common import InvalidInput
from kiosk.service.lockout import Lockout, LockState
from kiosk.service.pins import PinRejected, check_new_pin, hash_pin, verify_pin
from kiosk.store.db import Store
from sync.protocol.clock import Clock, utc_iso, utc_now

_DUTY_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")


@dataclass(frozen=True)
class OnDuty:
    guard_uuid: str
    name: str
    duty_phone: str
    since: str  # UTC ISO


class SignInRefused(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.zh, self.en = zh, en


def _locked(state: LockState) -> SignInRefused:
    if state.hard:
        return SignInRefused("PIN 错误次数过多，已锁定，须管理员解锁", "too many wrong PINs: locked until an admin unlocks it")
    until = state.locked_until.strftime("%H:%M") if state.locked_until else ""
    return SignInRefused(f"PIN 错误次数过多，已锁定至 {until} (UTC)", f"too many wrong PINs: locked until {until} UTC")


class DutyRoster:
    def __init__(self, store: Store, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    def add_guard(self, name: str, duty_phone: str = "", pin: str = "") -> str:
        """An admin adds a guard to the duty list, with the guard's own sign-in PIN."""
        clean, err = validate_name(name)
        errors = [err] if err else []
        phone = (duty_phone or "").strip()
        if phone and not _DUTY_PHONE.match(phone):
            errors.append(FieldError("duty_phone", "bad-phone", "值班电话格式不正确", "the duty phone is not a phone number"))
        try:
            check_new_pin(pin or "")
        except PinRejected as exc:
            errors.append(FieldError("pin", "bad-pin", exc.zh, exc.en))
        if self.store.db.execute("select 1 from guards where name = ?", [clean]).fetchone():
            errors.append(FieldError("name", "duplicate", "该值守人员已存在", "a guard with this name already exists"))
        if errors:
            raise InvalidInput(errors)
        uid, now = str(uuid6.uuid7()), utc_iso(self.clock())
        with self.store.writing() as w:
            w.db.execute(
                "insert into guards (uuid, name, duty_phone, pin_hash, created_at) values (?,?,?,?,?)",
                [uid, clean, phone, hash_pin(pin), now],
            )
            w.append("guard_added", {"guard_uuid": uid, "name": clean, "duty_phone": phone}, created_at=now)
        return uid

    def set_pin(self, name: str, pin: str, by: str = "admin") -> None:
        """An admin sets a guard's PIN (guards added before PINs were required have none)."""
        row = self._guard(name)
        check_new_pin(pin)
        with self.store.writing() as w:
            w.db.execute("update guards set pin_hash = ? where uuid = ?", [hash_pin(pin), row[0]])
            w.append("guard_pin_set", {"guard_uuid": row[0], "name": row[1], "by": by}, created_at=utc_iso(self.clock()))
        self._lockout(row).succeeded()

    def unlock(self, name: str, by: str = "admin") -> bool:
        """An admin lifts a guard's PIN lock-out (journalled)."""
        return self._lockout(self._guard(name)).unlock(by)

    def guard_names(self) -> list[str]:
        return [r[0] for r in self.store.db.execute("select name from guards where active = 1 order by name")]

    def _guard(self, name: str) -> tuple[str, str, str, str | None]:
        row = self.store.db.execute(
            "select uuid, name, duty_phone, pin_hash from guards where name = ? and active = 1", [(name or "").strip()]
        ).fetchone()
        if row is None:  # never added here: only an admin adds guards (kiosk admin add-guard, central lists)
            raise SignInRefused("值守人员名单中没有此人", "this name is not on the duty roster")
        return row[0], row[1], row[2], row[3]

    def sign_in(self, name: str, pin: str) -> OnDuty:
        row = self._guard(name)
        self.check_pin(row, pin)
        for duty in self.on_duty():
            if duty.guard_uuid == row[0]:
                return duty
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            rec = w.append("shift_start", {"guard_uuid": row[0], "name": row[1]}, created_at=now)
            w.db.execute("insert into duty_shifts (record_uuid, guard_uuid, started_at) values (?,?,?)", [rec.uuid, row[0], now])
        return OnDuty(row[0], row[1], row[2], now)

    def confirm_on_duty(self, pin: str) -> str:
        """The guard on duty (latest sign-in) types the PIN again before an override; their name."""
        duty = self.on_duty()
        if not duty:
            raise SignInRefused("没有值守人员签到，不能人工放行", "no guard is signed in: an override needs the guard on duty")
        self.check_pin(self._guard(duty[0].name), pin)
        return duty[0].name

    def _lockout(self, row: tuple[str, str, str, str | None]) -> Lockout:
        return Lockout(self.store, f"guard:{row[0]}", {"pin": "guard", "guard_uuid": row[0], "guard": row[1]}, self.clock)

    def check_pin(self, row: tuple[str, str, str, str | None], pin: str) -> None:
        """The guard's own PIN, with the same lock-out as the admin PIN; raises SignInRefused."""
        if not row[3]:
            raise SignInRefused("此值守人员尚未设置 PIN，请管理员设置", "this guard has no PIN yet: an admin must set one")
        lock, now = self._lockout(row), self.clock()
        state = lock.state()
        if state.locked_at(now):
            raise _locked(state)
        match = verify_pin(pin or "", row[3])
        if match.ok:
            lock.succeeded()
            if match.needs_rehash:  # stored by an older kiosk: upgrade to today's parameters
                with self.store.writing() as w:
                    w.db.execute("update guards set pin_hash = ? where uuid = ?", [hash_pin(pin), row[0]])
            return
        after = lock.failed()
        if after.locked_at(now):
            raise _locked(after)
        raise SignInRefused(f"PIN 不正确，还可尝试 {after.tries_left} 次", f"wrong PIN ({after.tries_left} tries left)")

    def sign_out(self, name: str) -> bool:
        """End the guard's open shift; False if they were not on duty."""
        open_shift = self.store.db.execute(
            "select s.record_uuid, g.uuid, g.name from duty_shifts s join guards g on g.uuid = s.guard_uuid"
            " where s.ended_at is null and g.name = ?",
            [name.strip()],
        ).fetchone()
        if open_shift is None:
            return False
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            w.append("shift_end", {"shift_uuid": open_shift[0], "guard_uuid": open_shift[1], "name": open_shift[2]}, created_at=now)
            w.db.execute("update duty_shifts set ended_at = ? where record_uuid = ?", [now, open_shift[0]])
        return True

    def on_duty(self) -> list[OnDuty]:
        """Guards on duty now, most recent sign-in first (the idle screen shows them)."""
        rows = self.store.db.execute(
            "select g.uuid, g.name, g.duty_phone, s.started_at from duty_shifts s join guards g on g.uuid = s.guard_uuid"
            " where s.ended_at is null order by s.started_at desc"
        ).fetchall()
        return [OnDuty(*r) for r in rows]

    def current_guard(self) -> str:
        """The guard records are attributed to: the latest sign-in still on duty ('' if none)."""
        duty = self.on_duty()
        return duty[0].name if duty else ""
