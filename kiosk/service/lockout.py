"""Lock-out after wrong PINs, shared by the admin PIN and every guard's PIN.

Every wrong try is journalled (and so uploaded and audited). Each 5 wrong tries in a row
lock the PIN: 5 minutes the first time, 15 the second, then an hour each time; after 100
wrong tries in a row (NIST SP 800-63B §5.2.2) it stays locked until an admin unlocks it.
A right PIN clears the count. The state is one kiosk_state row per subject (state.PIN_LOCKOUT),
so switching the kiosk off and on gives a guesser no fresh tries.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from kiosk.store import state
from kiosk.store.db import Store
from sync.protocol.clock import Clock, utc_iso, utc_now

TRIES_PER_LOCK = 5
LOCK_STEPS = (dt.timedelta(minutes=5), dt.timedelta(minutes=15), dt.timedelta(hours=1))
HARD_LIMIT = 100


@dataclass(frozen=True)
class LockState:
    failures: int = 0  # wrong tries in a row
    locked_until: dt.datetime | None = None
    hard: bool = False  # only an admin can unlock

    def locked_at(self, now: dt.datetime) -> bool:
        return self.hard or (self.locked_until is not None and now < self.locked_until)

    @property
    def tries_left(self) -> int:
        return 0 if self.hard else TRIES_PER_LOCK - self.failures % TRIES_PER_LOCK


def lock_for(failures: int) -> dt.timedelta:
    """How long the lock that starts at this many failures lasts (5, 15, 60, 60 … minutes)."""
    n = failures // TRIES_PER_LOCK
    return LOCK_STEPS[min(n, len(LOCK_STEPS)) - 1]


class Lockout:
    def __init__(self, store: Store, subject: str, label: dict[str, Any], clock: Clock = utc_now) -> None:
        self.store = store
        self.key = state.PIN_LOCKOUT.of(subject)
        self.label = label  # what the journal says about whose PIN it is, e.g. {"pin": "guard", "guard": "周军"}
        self.clock = clock

    def state(self) -> LockState:
        got = state.get(self.store.db, self.key)
        if not got:
            return LockState()
        v = json.loads(got[0])
        until = dt.datetime.fromisoformat(v["locked_until"]) if v.get("locked_until") else None
        return LockState(int(v.get("failures", 0)), until, bool(v.get("hard")))

    def failed(self) -> LockState:
        """Count one wrong try (journalled); returns the state after it."""
        now = self.clock()
        with self.store.writing() as w:
            before = self.state()
            failures = before.failures + 1
            w.append("pin_failed", {**self.label, "failures": failures}, created_at=utc_iso(now))
            until, hard = before.locked_until, failures >= HARD_LIMIT
            if hard:
                until = None
                w.append("pin_locked", {**self.label, "failures": failures, "until": None, "admin_unlock": True}, created_at=utc_iso(now))
            elif failures % TRIES_PER_LOCK == 0:
                until = now + lock_for(failures)
                w.append("pin_locked", {**self.label, "failures": failures, "until": utc_iso(until)}, created_at=utc_iso(now))
            after = LockState(failures, until, hard)
            value = {"failures": failures, "locked_until": utc_iso(until) if until else None, "hard": hard}
            state.put(w.db, self.key, json.dumps(value), utc_iso(now))
        return after

    def succeeded(self) -> None:
        if state.get(self.store.db, self.key):
            with self.store.writing() as w:
                state.delete(w.db, self.key)

    def unlock(self, by: str) -> bool:
        """An admin lifts the lock (journalled). False if nothing was locked or counted."""
        before = self.state()
        if before.failures == 0:
            return False
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            state.delete(w.db, self.key)
            w.append("pin_unlocked", {**self.label, "by": by, "failures": before.failures}, created_at=now)
        return True
