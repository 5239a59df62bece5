"""A revoked gate: the server answered `403 device-revoked` to a correctly signed request.

Revocation is permanent on the server, so the kiosk stops talking to it (no upload, pull or
re-check) and keeps every record: nothing is parked or deleted. The state lives in kiosk_state
under one key written only here (state.DEVICE_REVOKED); `kiosk sync status` and the screen's status show it.
"""

from __future__ import annotations

from kiosk.store import state
from kiosk.store.db import Store

from sync.protocol import ErrorCode
from sync.protocol.clock import utc_iso

MESSAGE = "this gate was revoked"
MESSAGE_ZH = "此卡口设备已被注销"
ADVICE = "the central server revoked this device for good; its records are kept here; ask the admin for a new device"


def is_revoked_answer(status: int | None, error_code: str | None) -> bool:
    return status == 403 and error_code == ErrorCode.DEVICE_REVOKED


def mark(store: Store, at: str | None = None) -> None:
    with store.writing() as w:
        if state.get(w.db, state.DEVICE_REVOKED) is None:
            state.put(w.db, state.DEVICE_REVOKED, at or utc_iso())


def revoked_at(store: Store) -> str | None:
    return state.value(store.db, state.DEVICE_REVOKED)
