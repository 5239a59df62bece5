"""Enrolment: one-time codes minted by the admin, exchanged by a kiosk for its device secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from sync.protocol import (
    EnrollRequest,
    EnrollResponse,
    ErrorCode,
    ProtocolError,
    key_id,
    new_device_secret,
    public_key_pem,
    utc_now_iso,
)
from sync.server.context import ServerContext
from sync.server.tables import devices, enroll_codes

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed by a person


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode("ascii", "replace")).hexdigest()


def new_enrol_code(conn: Connection, label: str, ttl_hours: int) -> tuple[str, str]:
    """(code shown once, expiry). Format XXXX-XXXX-XXXX (60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    now = datetime.now(UTC)
    expires = (now + timedelta(hours=ttl_hours)).isoformat(timespec="seconds")
    conn.execute(insert(enroll_codes).values(code_hash=_code_hash(code), label=label, created_at=now.isoformat(timespec="seconds"), expires_at=expires))
    return code, expires


def enrol(ctx: ServerContext, req: EnrollRequest) -> EnrollResponse:
    now = utc_now_iso()
    secret = new_device_secret()
    with ctx.engine.begin() as conn:
        code = conn.execute(select(enroll_codes).where(enroll_codes.c.code_hash == _code_hash(req.enroll_code))).first()
        if code is None or code.used_at is not None or code.expires_at < now:
            why = "unknown" if code is None else "already used" if code.used_at else "expired"
            raise ProtocolError(403, ErrorCode.ENROLL_CODE_INVALID, f"the enrolment code is {why}; ask the admin for a new one (kiosk-central device add)")
        claimed = conn.execute(
            update(enroll_codes).where(enroll_codes.c.code_hash == code.code_hash, enroll_codes.c.used_at.is_(None)).values(used_at=now, used_by=req.device_id)
        )
        if claimed.rowcount != 1:
            raise ProtocolError(403, ErrorCode.ENROLL_CODE_INVALID, "the enrolment code is already used")
        label = req.label or code.label
        held = conn.execute(select(devices.c.device_id).where(devices.c.device_id == req.device_id)).first()
        if held is None:
            conn.execute(insert(devices).values(
                device_id=req.device_id, label=label, secret=secret, enrolled_at=now, anchor_seq=req.anchor_seq,
                anchor_hash=req.anchor_hash, stored_through_seq=req.anchor_seq, verified_through_seq=req.anchor_seq,
                verified_hash=req.anchor_hash, max_seq=req.anchor_seq, chain_status="ok",
            ))
        else:  # re-enrolment rotates the secret; the chain and records stay
            conn.execute(update(devices).where(devices.c.device_id == req.device_id).values(secret=secret, label=label, disabled=False))
    s = ctx.settings
    return EnrollResponse(
        device_id=req.device_id, device_secret=secret, bundle_key_id=key_id(ctx.bundle_key.public_key()),
        bundle_public_key=public_key_pem(ctx.bundle_key.public_key()), server_time=now, clock_window_s=s.clock_window_s,
        max_batch_records=s.max_batch_records, max_batch_bytes=s.max_batch_bytes,
    )
