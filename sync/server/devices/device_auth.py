"""Authenticating a device request on the server: signature, clock window, one-time nonce.

The answer to an unknown device and to a wrong signature is the same (AuthRefused); the sync log
keeps which. The signature is checked before anything that could tell a prober more (the clock
window, revocation), so only the real device learns that it was revoked.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from sync.protocol import (
    AuthRefused,
    ErrorCode,
    ProtocolError,
    body_digest,
    check_timestamp,
    read_auth_headers,
    verify_signature,
)
from sync.protocol.auth import H_DIGEST, SignedHeaders
from sync.server.devices.device_secrets import unseal
from sync.server.devices.tables import devices, nonces

log = logging.getLogger("kiosk-central")
REVOKED_MESSAGE = "this gate was revoked by the admin; revocation is permanent: keep its data and ask the admin for a new device"


@dataclass(frozen=True)
class SignedBy:
    """Who signed a request: the device id, and the id its records are hashed under (its journal id, or
    the device id), read in the same look-up so a batch needs no second one."""

    device_id: str
    chain_id: str
    over_limit: ProtocolError | None = None  # the device's rate limit refuses this request (429): answer it, as this device


def authenticate(
    engine: Engine, headers: Mapping[str, str], method: str, path: str, body: bytes, now: float, window_s: int,
    device_key: Fernet, count: Callable[[Connection, str], ProtocolError | None] | None = None,
) -> SignedBy:
    """Returns who signed, or raises ProtocolError (401/400/403). The nonce is spent even if the request later fails.
    `count` (RateLimits.count_device) counts the request in the same transaction as its nonce."""
    signed = read_auth_headers(headers)
    if body_digest(body) != signed.digest:  # before the look-up: the answer must not depend on whether the id exists
        raise ProtocolError(400, ErrorCode.DIGEST_MISMATCH, f"{H_DIGEST} does not match the body as received")
    try:
        with engine.begin() as conn:  # one round of the pool per request: look-up, checks and the nonce together
            row = conn.execute(
                select(devices.c.secret, devices.c.next_secret, devices.c.disabled, devices.c.revoked_at, devices.c.journal_id)
                .where(devices.c.device_id == signed.device_id)
            ).first()
            if row is None:
                raise AuthRefused(ErrorCode.UNKNOWN_DEVICE, f"device {signed.device_id!r} is not enrolled")
            promoted = _check_signature(signed, row.secret, row.next_secret, device_key, method, path, body)
            if row.disabled or row.revoked_at:
                raise ProtocolError(403, ErrorCode.DEVICE_REVOKED, REVOKED_MESSAGE, {"revoked_at": row.revoked_at or ""})
            check_timestamp(signed, now, window_s)
            conn.execute(insert(nonces).values(device_id=signed.device_id, nonce=signed.nonce, seen_at=now))
            if promoted:  # the first request signed with a rolled key retires the old one
                conn.execute(update(devices).where(devices.c.device_id == signed.device_id).values(secret=row.next_secret, next_secret=None))
            if random.random() < 0.01:  # housekeeping: a nonce older than twice the window can no longer pass the clock check
                _purge(conn, now - 2 * window_s)
            over_limit = count(conn, signed.device_id) if count is not None else None  # committed with the nonce, even when over
    except IntegrityError:
        raise ProtocolError(401, ErrorCode.REPLAYED, "this request was already received (nonce reused); sign each attempt afresh") from None
    return SignedBy(signed.device_id, row.journal_id or signed.device_id, over_limit)


def _check_signature(signed: SignedHeaders, sealed: str, sealed_next: str | None, key: Fernet, method: str, path: str, body: bytes) -> bool:
    """True when the request is signed with the rolled (next) secret rather than the current one."""
    secret = unseal(key, sealed)
    if secret is None:
        log.error("device %s: its stored secret does not open with secrets/device_secrets.key", signed.device_id)
        raise AuthRefused(ErrorCode.BAD_SIGNATURE, "the device's stored secret cannot be unsealed with this server's key")
    try:
        verify_signature(signed, secret, method, path, body)
        return False
    except AuthRefused:
        following = unseal(key, sealed_next) if sealed_next else None
        if following is None:
            raise
    verify_signature(signed, following, method, path, body)
    return True


def _purge(conn: Connection, before: float) -> None:
    conn.execute(delete(nonces).where(nonces.c.seen_at < before))
