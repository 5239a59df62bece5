"""The sync log: every attempt (upload, pull, check) with what, how big, how long and how it ended.

Admins read it on the kiosk (`kiosk sync-log`); it never holds record contents, only counts.
Each write also keeps the kiosk_state keys `sync.last_success_at` / `sync.last_error` (and the
rest of the `sync.*` keys in kiosk.store.state) current, in the same transaction, for `kiosk sync status`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.store import state
from kiosk.store.db import Store

DIRECTIONS = ("upload", "pull", "check")

# The last success per direction: an upload and a bundle pull are different news to an admin.
LAST_SUCCESS_BY_DIRECTION = {"upload": state.SYNC_LAST_UPLOAD, "pull": state.SYNC_LAST_PULL}


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
            state.put(w.db, state.SYNC_LAST_SUCCESS, attempt.at)
            if attempt.direction in LAST_SUCCESS_BY_DIRECTION:
                state.put(w.db, LAST_SUCCESS_BY_DIRECTION[attempt.direction], attempt.at)
        else:
            state.put(w.db, state.SYNC_LAST_ERROR, f"{attempt.direction}: {attempt.error}"[:1000])
            state.put(w.db, state.SYNC_LAST_ERROR_AT, attempt.at)
        if skew_s is not None:
            state.put(w.db, state.SYNC_CLOCK_SKEW, f"{skew_s:.3f}")


def read(store: Store, since: str | None = None, limit: int = 1000) -> Iterator[Attempt]:
    """Attempts at or after `since` (UTC ISO), newest last."""
    rows = store.db.execute(
        "select at, direction, batch_id, records, bytes, duration_ms, http_status, error from sync_log "
        "where at >= ? order by id desc limit ?",
        [since or "", limit],
    ).fetchall()
    for row in reversed(rows):
        yield Attempt(*row)
