"""The admin PIN: a slow salted hash in the data folder, and a lock-out that survives restarts.

The hash (hashlib.scrypt, a memory-hard KDF from the standard library) lives in
`data_dir/secrets/admin_pin` (0600), never in the database or the repository. Wrong
tries are counted in kiosk_state so that switching the kiosk off and on does not give
a guesser five fresh tries: 5 wrong tries lock the PIN for 5 minutes.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.store.db import Store

MAX_TRIES = 5
LOCK_FOR = dt.timedelta(minutes=5)
_N, _R, _P = 2**14, 8, 1
_FAILS, _LOCKED = "admin_pin_failures", "admin_pin_locked_until"


class PinStatus(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_SET = "not-set"


@dataclass(frozen=True)
class PinResult:
    status: PinStatus
    tries_left: int = MAX_TRIES
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status is PinStatus.OK


class PinRejected(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.zh, self.en = zh, en


def check_new_pin(pin: str) -> None:
    if not pin.isdigit() or not 4 <= len(pin) <= 12 or not pin.isascii():
        raise PinRejected("PIN 须为4–12位数字", "the PIN must be 4–12 digits")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise PinRejected("PIN 过于简单（重复或连续数字）", "the PIN is too easy to guess (repeated or consecutive digits)")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt_b64, digest_b64 = stored.strip().split("$")
        if algo != "scrypt":
            return False
        digest = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt_b64), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def write_secret(path: Path, text: str) -> None:
    """Write a secret file 0600 in a 0700 folder, atomically (temp file + rename)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AdminPin:
    def __init__(self, store: Store, data_dir: Path, clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.store = store
        self.path = Path(data_dir) / "secrets" / "admin_pin"
        self.clock = clock

    @property
    def is_set(self) -> bool:
        return self.path.exists()

    def set_pin(self, pin: str) -> None:
        check_new_pin(pin)
        write_secret(self.path, hash_pin(pin) + "\n")
        with self.store.writing() as w:
            w.db.execute("delete from kiosk_state where key in (?, ?)", [_FAILS, _LOCKED])
            w.append("admin_pin_set", {"at": self.clock().isoformat()})

    def _state(self, key: str) -> str | None:
        row = self.store.db.execute("select value from kiosk_state where key = ?", [key]).fetchone()
        return row[0] if row else None

    def verify(self, pin: str) -> PinResult:
        now = self.clock()
        locked = self._state(_LOCKED)
        if locked and dt.datetime.fromisoformat(locked) > now:
            return PinResult(PinStatus.LOCKED, 0, dt.datetime.fromisoformat(locked))
        if not self.is_set:
            return PinResult(PinStatus.NOT_SET)
        if pin_matches(pin, self.path.read_text()):
            with self.store.writing() as w:
                w.db.execute("delete from kiosk_state where key in (?, ?)", [_FAILS, _LOCKED])
            return PinResult(PinStatus.OK)
        fails = int(self._state(_FAILS) or 0) + 1
        until = now + LOCK_FOR if fails >= MAX_TRIES else None
        with self.store.writing() as w:
            put = "insert or replace into kiosk_state (key, value, updated_at) values (?, ?, ?)"
            if until:
                w.db.execute(put, [_LOCKED, until.isoformat(), now.isoformat()])
                w.db.execute("delete from kiosk_state where key = ?", [_FAILS])
                w.append("admin_pin_locked", {"until": until.isoformat()})
            else:
                w.db.execute(put, [_FAILS, str(fails), now.isoformat()])
        if until:
            return PinResult(PinStatus.LOCKED, 0, until)
        return PinResult(PinStatus.WRONG, MAX_TRIES - fails)
