"""Duty roster: guards sign in (name, optional short PIN) and out; every record carries the guard.

The on-duty names and duty phones are public on the idle screen, as the notice asks.
Shifts are journal records ('shift_start', 'shift_end') with a projection in duty_shifts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import uuid6

from kiosk.domain.identity import FieldError, validate_name
from kiosk.service.admin_pin import LOCK_FOR, MAX_TRIES, hash_pin, pin_matches
from kiosk.service.common import Clock, InvalidInput, iso, state_get, state_put, utc_now
from kiosk.store.db import Store

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


class DutyRoster:
    def __init__(self, store: Store, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    def add_guard(self, name: str, duty_phone: str = "", pin: str | None = None) -> str:
        clean, err = validate_name(name)
        errors = [err] if err else []
        phone = (duty_phone or "").strip()
        if phone and not _DUTY_PHONE.match(phone):
            errors.append(FieldError("duty_phone", "bad-phone", "值班电话格式不正确", "the duty phone is not a phone number"))
        if pin is not None and not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 8):
            errors.append(FieldError("pin", "bad-pin", "签到 PIN 须为4–8位数字", "the sign-in PIN must be 4–8 digits"))
        if self.store.db.execute("select 1 from guards where name = ?", [clean]).fetchone():
            errors.append(FieldError("name", "duplicate", "该值守人员已存在", "a guard with this name already exists"))
        if errors:
            raise InvalidInput(errors)
        uid, now = str(uuid6.uuid7()), iso(self.clock())
        with self.store.writing() as w:
            w.db.execute(
                "insert into guards (uuid, name, duty_phone, pin_hash, created_at) values (?,?,?,?,?)",
                [uid, clean, phone, hash_pin(pin) if pin else None, now],
            )
            w.append("guard_added", {"guard_uuid": uid, "name": clean, "duty_phone": phone}, created_at=now)
        return uid

    def guard_names(self) -> list[str]:
        return [r[0] for r in self.store.db.execute("select name from guards where active = 1 order by name")]

    def sign_in(self, name: str, pin: str | None = None) -> OnDuty:
        row = self.store.db.execute("select uuid, name, duty_phone, pin_hash from guards where name = ? and active = 1", [name.strip()]).fetchone()
        if row is None:
            raise SignInRefused("值守人员名单中没有此人", "this name is not on the duty roster")
        if row[3]:
            self._check_pin(row[0], pin or "", row[3])
        for duty in self.on_duty():
            if duty.guard_uuid == row[0]:
                return duty
        now = iso(self.clock())
        with self.store.writing() as w:
            rec = w.append("shift_start", {"guard_uuid": row[0], "name": row[1]}, created_at=now)
            w.db.execute("insert into duty_shifts (record_uuid, guard_uuid, started_at) values (?,?,?)", [rec.uuid, row[0], now])
        return OnDuty(row[0], row[1], row[2], now)

    def _check_pin(self, guard_uuid: str, pin: str, stored: str) -> None:
        """A short PIN is guessable: 5 wrong tries lock that guard's sign-in for 5 minutes."""
        key, now = f"guard_pin_failures:{guard_uuid}", self.clock()
        got = state_get(self.store.db, key)
        fails, since = (int(got[0]), dt.datetime.fromisoformat(got[1])) if got else (0, now)
        if fails >= MAX_TRIES and now < since + LOCK_FOR:
            raise SignInRefused("PIN 错误次数过多，请5分钟后再试", "too many wrong PINs; try again in 5 minutes")
        if pin_matches(pin, stored):
            if got:
                with self.store.writing() as w:
                    w.db.execute("delete from kiosk_state where key = ?", [key])
            return
        with self.store.writing() as w:
            state_put(w.db, key, str(fails % MAX_TRIES + 1), now.isoformat())
        raise SignInRefused("PIN 不正确", "wrong PIN")

    def sign_out(self, name: str) -> bool:
        """End the guard's open shift; False if they were not on duty."""
        open_shift = self.store.db.execute(
            "select s.record_uuid, g.uuid, g.name from duty_shifts s join guards g on g.uuid = s.guard_uuid"
            " where s.ended_at is null and g.name = ?",
            [name.strip()],
        ).fetchone()
        if open_shift is None:
            return False
        now = iso(self.clock())
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
