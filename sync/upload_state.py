"""What every status display says about uploads: waiting, parked, online, revoked.

The one reading behind `kiosk sync status` and the admin screen (sync/status.sync_status), the
status bar (kiosk/ui/adapters/duty_status.py) and `kiosk doctor`, so none counts the outbox its
own way. Read from the kiosk's own tables, never from the network; cheap to import and to call
(the status bar asks every few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.store import state
from kiosk.store.outbox_state import WAITING, OutboxState


@dataclass(frozen=True)
class UploadState:
    pending: int  # not on the server yet and still going by itself (pending + claimed)
    failed: int  # parked: waits for the admin
    last_upload_at: str | None  # the last batch the server accepted
    last_error: str | None
    last_error_at: str | None
    revoked_at: str | None  # the server revoked this gate for good

    @property
    def online(self) -> bool | None:
        """The last upload went through after the last error (ISO UTC strings sort by time);
        None until anything was tried."""
        ok_at, error_at = self.last_upload_at or "", self.last_error_at or ""
        return None if not (ok_at or error_at) else ok_at > error_at


def upload_state(db: Any) -> UploadState:
    """Read from the kiosk's own tables, never from the network; cheap enough for the status bar."""
    counts = dict(db.execute("select state, count(*) from outbox where state != ? group by state", [OutboxState.SENT]).fetchall())
    return UploadState(
        pending=sum(counts.get(s, 0) for s in WAITING), failed=counts.get(OutboxState.FAILED, 0),
        last_upload_at=state.value(db, state.SYNC_LAST_UPLOAD), last_error=state.value(db, state.SYNC_LAST_ERROR),
        last_error_at=state.value(db, state.SYNC_LAST_ERROR_AT), revoked_at=state.value(db, state.DEVICE_REVOKED),
    )
