"""Authenticating a device request on the server: signature, clock window, one-time nonce."""

from __future__ import annotations

import random
from collections.abc import Mapping

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from sync.protocol import ErrorCode, ProtocolError, check_timestamp, read_auth_headers, verify_signature
from sync.server.tables import devices, nonces


def authenticate(
    engine: Engine, headers: Mapping[str, str], method: str, path: str, body: bytes, now: float, window_s: int
) -> str:
    """Returns the device id, or raises ProtocolError (401/400). The nonce is spent even if the request later fails."""
    signed = read_auth_headers(headers)
    try:
        with engine.begin() as conn:  # one round of the pool per request: look-up, checks and the nonce together
            row = conn.execute(select(devices.c.secret, devices.c.disabled).where(devices.c.device_id == signed.device_id)).first()
            if row is None or row.disabled:
                raise ProtocolError(401, ErrorCode.UNKNOWN_DEVICE, f"device {signed.device_id!r} is not enrolled (or is disabled); provision it first")
            check_timestamp(signed, now, window_s)
            verify_signature(signed, row.secret, method, path, body)
            conn.execute(insert(nonces).values(device_id=signed.device_id, nonce=signed.nonce, seen_at=now))
            if random.random() < 0.01:  # housekeeping: a nonce older than twice the window can no longer pass the clock check
                _purge(conn, now - 2 * window_s)
    except IntegrityError:
        raise ProtocolError(401, ErrorCode.REPLAYED, "this request was already received (nonce reused); sign each attempt afresh") from None
    return signed.device_id


def _purge(conn: Connection, before: float) -> None:
    conn.execute(delete(nonces).where(nonces.c.seen_at < before))
