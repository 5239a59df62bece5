"""The sync log: every attempt (upload, pull, check) with what, how big, how long and how it ended.

Admins read it on the kiosk (`kiosk sync-log`); it never holds record contents, only counts.
Each write also keeps the kiosk_state keys `sync.last_success_at` / `sync.last_error` current,
in the same transaction, for `kiosk sync status`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.store.db import Store

from sync.protocol.clock import utc_iso

DIRECTIONS = ("upload", "pull", "check")

K_LAST_SUCCESS = "sync.last_success_at"
K_LAST_ERROR = "sync.last_error"
K_LAST_ERROR_AT = "sync.last_error_at"
K_CLOCK_SKEW = "sync.clock_skew_s"
# The last success per direction: an upload and a bundle pull are different news to an admin.
K_LAST_UPLOAD = "sync.last_upload_at"
K_LAST_PULL = "sync.last_pull_at"
K_LAST_SUCCESS_BY_DIRECTION = {"upload": K_LAST_UPLOAD, "pull": K_LAST_PULL}


@dataclass(frozen=True)
class Attempt:
    at: str  # UTC ISO 8601, when the attempt started
    direction: str
    batch_id: str | None = None
    records: int = 0
    bytes: int = 0
    duration_ms: float = 0.0
    http_status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def set_state(db: Any, key: str, value: str, at: str | None = None) -> None:
    db.execute(
        "insert into kiosk_state (key, value, updated_at) values (?, ?, ?) "
        "on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at",
        [key, value, at or utc_iso()],
    )


def get_state(store: Store, key: str) -> tuple[str, str] | None:
    """(value, updated_at) or None."""
    row = store.db.execute("select value, updated_at from kiosk_state where key = ?", [key]).fetchone()
    return (row[0], row[1]) if row else None


def record(store: Store, attempt: Attempt, skew_s: float | None = None) -> None:
    """Write one attempt (and the last success / last error, and the clock skew) in one transaction."""
    if attempt.direction not in DIRECTIONS:
        raise ValueError(f"unknown sync direction {attempt.direction!r}")
    with store.writing() as w:
        w.db.execute(
            "insert into sync_log (at, direction, batch_id, records, bytes, duration_ms, http_status, error) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                attempt.at, attempt.direction, attempt.batch_id, attempt.records, attempt.bytes,
                round(attempt.duration_ms, 1), attempt.http_status, (attempt.error or None) and attempt.error[:1000],
            ],
        )
        if attempt.ok:
            set_state(w.db, K_LAST_SUCCESS, attempt.at)
            if attempt.direction in K_LAST_SUCCESS_BY_DIRECTION:
                set_state(w.db, K_LAST_SUCCESS_BY_DIRECTION[attempt.direction], attempt.at)
        else:
            set_state(w.db, K_LAST_ERROR, f"{attempt.direction}: {attempt.error}"[:1000])
            set_state(w.db, K_LAST_ERROR_AT, attempt.at)
        if skew_s is not None:
            set_state(w.db, K_CLOCK_SKEW, f"{skew_s:.3f}")


def read(store: Store, since: str | None = None, limit: int = 1000) -> Iterator[Attempt]:
    """Attempts at or after `since` (UTC ISO), newest last."""
    rows = store.db.execute(
        "select at, direction, batch_id, records, bytes, duration_ms, http_status, error from sync_log "
        "where at >= ? order by id desc limit ?",
        [since or "", limit],
    ).fetchall()
    for row in reversed(rows):
        yield Attempt(*row)
