"""The admin PIN: a slow salted hash in the secrets folder, and a lock-out that survives restarts.

The hash (argon2id, kiosk/service/pins.py) lives in `<secrets folder>/admin_pin` (0600),
never in the database, the data folder or the repository. Wrong tries are journalled and
counted by kiosk/service/lockout.py: 5 wrong tries lock for 5 minutes, then 15, then an
hour; 100 in a row need `kiosk admin unlock-admin`.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.service.lockout import TRIES_PER_LOCK, Lockout
from kiosk.service.pins import PinRejected, check_new_pin, hash_pin, pin_matches, verify_pin
from kiosk.store.db import Store
from kiosk.store.secrets import secret_file, write_private
from sync.protocol.clock import Clock, utc_now

__all__ = ["DEMO_PIN", "MAX_TRIES", "AdminPin", "PinRejected", "PinResult", "PinStatus", "check_new_pin", "hash_pin",
           "pin_matches", "write_secret"]

MAX_TRIES = TRIES_PER_LOCK
DEMO_PIN = "2580"  # `kiosk demo` sets it; `kiosk run` in production refuses to start while it is set


class PinStatus(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_SET = "not-set"


@dataclass(frozen=True)
class PinResult:
    status: PinStatus
    tries_left: int = MAX_TRIES
    locked_until: dt.datetime | None = None  # None with LOCKED = until an admin unlocks

    @property
    def ok(self) -> bool:
        return self.status is PinStatus.OK


def write_secret(path: Path, text: str) -> None:
    """Write a secret file 0600 in a 0700 folder, atomically (temp file + rename)."""
    write_private(path, text.encode())


class AdminPin:
    def __init__(self, store: Store, data_dir: Path, clock: Clock = utc_now, *,
                 secrets_dir: Path | None = None) -> None:
        self.store = store
        self.path = secret_file(Path(data_dir), secrets_dir, "admin_pin")
        self.clock = clock
        self.lockout = Lockout(store, "admin", {"pin": "admin"}, clock)

    @classmethod
    def for_config(cls, store: Store, cfg: Any, clock: Clock = utc_now) -> AdminPin:
        return cls(store, cfg.data_dir, clock, secrets_dir=cfg.secrets_dir)

    @property
    def is_set(self) -> bool:
        return self.path.exists()

    def is_demo(self) -> bool:
        """The demo's published PIN is still the admin PIN (checked without counting a try)."""
        return self.is_set and pin_matches(DEMO_PIN, self.path.read_text())

    def set_pin(self, pin: str) -> None:
        check_new_pin(pin)
        write_secret(self.path, hash_pin(pin) + "\n")
        self.lockout.succeeded()
        with self.store.writing() as w:
            w.append("admin_pin_set", {"at": self.clock().isoformat()})

    def verify(self, pin: str) -> PinResult:
        now = self.clock()
        state = self.lockout.state()
        if state.locked_at(now):
            return PinResult(PinStatus.LOCKED, 0, state.locked_until)
        if not self.is_set:
            return PinResult(PinStatus.NOT_SET)
        match = verify_pin(pin, self.path.read_text())
        if match.ok:
            self.lockout.succeeded()
            if match.needs_rehash:  # an older kiosk's hash: store it at today's parameters
                write_secret(self.path, hash_pin(pin) + "\n")
            return PinResult(PinStatus.OK)
        after = self.lockout.failed()
        if after.locked_at(now):
            return PinResult(PinStatus.LOCKED, 0, after.locked_until)
        return PinResult(PinStatus.WRONG, after.tries_left)

    def unlock(self, by: str) -> bool:
        return self.lockout.unlock(by)
