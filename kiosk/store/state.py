"""`kiosk_state`: the small named values the kiosk keeps between runs, and the one way to them.

Every key is declared once below (name, what its value is, who writes it); every read and
write of the table goes through `get` / `value` / `put` / `delete` here, with a declared
`Key` rather than a string, so no two modules spell a key differently and a reader finds
every key in one list. Values are text in the table; `Kind` says how to read each one.

Takes any `db` with `execute` (sqlite_utils.Database inside `store.writing()`, or a plain
sqlite3 connection such as doctor's read-only one). Standard library only: cheap to import.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any


class Kind(enum.StrEnum):
    TEXT = "text"
    TIME = "time"  # UTC ISO 8601 (sorts as text)
    DAY = "day"  # a UTC calendar day, YYYY-MM-DD
    NUMBER = "number"  # a decimal number as text
    JSON = "json"


@dataclass(frozen=True)
class Key:
    name: str
    kind: Kind
    meaning: str
    writer: str  # the one module that writes it
    family: bool = False  # a prefix: one row per subject, `key.of(subject)`

    def of(self, subject: str) -> Key:
        """The key of one subject of a family (e.g. one PIN's lock-out)."""
        if not self.family:
            raise ValueError(f"kiosk_state key {self.name!r} is not a family")
        return Key(self.name + subject, self.kind, self.meaning, self.writer)


MODE_ADMIN = Key("mode_admin", Kind.TEXT, "the mode the admin set: 'normal' or 'lockdown'", "kiosk.service.gate")
MODE_FROM_BUNDLE = Key("mode_from_bundle", Kind.TEXT, "the mode the last applied bundle set: 'normal' or 'lockdown'",
                       "sync.puller")
OCCUPANCY = Key("occupancy", Kind.JSON, '{"period": UTC ISO start of the counting period, "count": people inside}',
                "kiosk.service.modes")
PIN_LOCKOUT = Key("pin_lockout:", Kind.JSON, '{"failures", "locked_until" (UTC ISO or null), "hard"} of one PIN',
                  "kiosk.service.lockout", family=True)
SYNC_LAST_SUCCESS = Key("sync.last_success_at", Kind.TIME, "the last sync attempt (any direction) that succeeded", "sync.log")
SYNC_LAST_UPLOAD = Key("sync.last_upload_at", Kind.TIME, "the last upload the server accepted", "sync.log")
SYNC_LAST_PULL = Key("sync.last_pull_at", Kind.TIME, "the last bundle pull that succeeded", "sync.log")
SYNC_LAST_ERROR = Key("sync.last_error", Kind.TEXT, "'<direction>: <error>' of the last failed attempt", "sync.log")
SYNC_LAST_ERROR_AT = Key("sync.last_error_at", Kind.TIME, "when the last failed attempt started", "sync.log")
SYNC_CLOCK_SKEW = Key("sync.clock_skew_s", Kind.NUMBER, "the server's clock minus the kiosk's, in seconds", "sync.log")
DEVICE_REVOKED = Key("sync.device_revoked_at", Kind.TIME, "when the server first answered 'device revoked' (never cleared)",
                     "sync.revoked")
SKEW_ALERT_DAY = Key("alert.clock_skew_day", Kind.DAY, "the day the last clock-skew alert was raised (once a day)",
                     "sync.alert_lane")
UNSENT_ALERT_DAY = Key("retention.unsent_alert_day", Kind.DAY, "the day the last 'unsent past retention' alert was raised",
                       "sync.retention")

KEYS: tuple[Key, ...] = (
    MODE_ADMIN, MODE_FROM_BUNDLE, OCCUPANCY, PIN_LOCKOUT, SYNC_LAST_SUCCESS, SYNC_LAST_UPLOAD, SYNC_LAST_PULL,
    SYNC_LAST_ERROR, SYNC_LAST_ERROR_AT, SYNC_CLOCK_SKEW, DEVICE_REVOKED, SKEW_ALERT_DAY, UNSENT_ALERT_DAY,
)


def _row_name(key: Key) -> str:
    if key.family:
        raise ValueError(f"kiosk_state key {key.name!r} is a family: use key.of(subject)")
    return key.name


def _check(key: Key, value: str) -> None:
    """A value that does not read as its key's kind is a bug in the writer: refuse it."""
    if key.kind is Kind.NUMBER:
        float(value)
    elif key.kind is Kind.JSON:
        json.loads(value)
    elif key.kind is Kind.TIME:
        dt.datetime.fromisoformat(value)
    elif key.kind is Kind.DAY:
        dt.date.fromisoformat(value)


def get(db: Any, key: Key) -> tuple[str, str] | None:
    """(value, updated_at) of a key, or None."""
    row = db.execute("select value, updated_at from kiosk_state where key = ?", [_row_name(key)]).fetchone()
    return (row[0], row[1]) if row else None


def value(db: Any, key: Key) -> str | None:
    got = get(db, key)
    return got[0] if got else None


def put(db: Any, key: Key, text: str, at: str | None = None) -> None:
    """Set a key inside the caller's transaction; `at` (UTC ISO) defaults to now."""
    _check(key, text)
    if at is None:
        from sync.protocol.clock import utc_iso

        at = utc_iso()
    db.execute(
        "insert into kiosk_state (key, value, updated_at) values (?, ?, ?) "
        "on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at",
        [_row_name(key), text, at],
    )


def delete(db: Any, key: Key) -> None:
    db.execute("delete from kiosk_state where key = ?", [_row_name(key)])
