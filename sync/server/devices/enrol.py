"""Devices and enrolment: the admin issues a one-time code bound to a device id the server
assigns; a kiosk exchanges the code for its device secret; a device rolls its secret only with a
request signed by the current one.

A repeated enrolment with the same code AND the same enrolment key (a random value the kiosk made
and kept) gets the same answer while the code is within its validity: a lost answer does not burn
the code, and nobody else can use it (without the key it is "already used").
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sync.protocol import (
    EnrollRequest,
    EnrollResponse,
    ErrorCode,
    KeyRollResponse,
    ProtocolError,
    key_id,
    new_device_secret,
    public_key_pem,
    utc_now_iso,
)
from sync.protocol.clock import utc_iso, utc_now
from sync.server.context import ServerContext
from sync.server.devices.device_auth import REVOKED_MESSAGE
from sync.server.devices.device_secrets import community_lookup_key, seal, unseal
from sync.server.devices.tables import devices, enroll_codes
from sync.server.identity import identity_public_b64

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed by a person
COMMUNITY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
DEFAULT_COMMUNITY = "default"


@dataclass(frozen=True)
class IssuedDevice:
    device_id: str
    enroll_code: str  # shown once; the server keeps only its hash
    expires_at: str
    community: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()


def _code_hash(code: str) -> str:
    return _sha256(code.strip().upper().replace("-", ""))


def new_device(conn: Connection, label: str, ttl_hours: int, community: str = DEFAULT_COMMUNITY) -> IssuedDevice:
    """A fresh server-assigned device id and its one-time code (XXXX-XXXX-XXXX, 60 bits)."""
    if not COMMUNITY_RE.match(community):
        raise ValueError(f"--community must be 1-64 characters of A-Z a-z 0-9 _ . : -, got {community!r}")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    device_id = f"gate-{secrets.token_hex(6)}"
    now = utc_now()
    expires = utc_iso(now + timedelta(hours=ttl_hours), "seconds")
    conn.execute(insert(enroll_codes).values(code_hash=_code_hash(code), label=label, created_at=utc_iso(now, "seconds"),
                                             expires_at=expires, device_id=device_id, community=community))
    return IssuedDevice(device_id, code, expires, community)


def new_enrol_code(conn: Connection, label: str, ttl_hours: int) -> tuple[str, str]:
    """(code, expiry) for a new device in the default community (kept for callers that need only the code)."""
    issued = new_device(conn, label, ttl_hours)
    return issued.enroll_code, issued.expires_at


def _refuse(why: str) -> ProtocolError:
    return ProtocolError(403, ErrorCode.ENROLL_CODE_INVALID, f"the enrolment code is {why}; ask the admin for a new one (kiosk-central device add)")


def _roster_key(ctx: ServerContext, community: str) -> str:
    return base64.urlsafe_b64encode(community_lookup_key(ctx.lookup_master, community)).rstrip(b"=").decode("ascii")


def _answer(ctx: ServerContext, device_id: str, secret: str, community: str, now: str) -> EnrollResponse:
    s = ctx.settings
    return EnrollResponse(
        device_id=device_id, device_secret=secret, bundle_key_id=key_id(ctx.bundle_key.public_key()),
        bundle_public_key=public_key_pem(ctx.bundle_key.public_key()), server_time=now, clock_window_s=s.clock_window_s,
        max_batch_records=s.max_batch_records, max_batch_bytes=s.max_batch_bytes, community=community,
        roster_key=_roster_key(ctx, community), identity_key=identity_public_b64(ctx.identity_private),
    )


def _locked(conn: Connection, query: Any) -> Any:
    return conn.execute(query.with_for_update() if conn.dialect.name == "postgresql" else query).first()


def enrol(ctx: ServerContext, req: EnrollRequest) -> EnrollResponse:
    now = utc_now_iso()
    key_hash = _sha256(req.enroll_key)
    with ctx.engine.begin() as conn:
        code = _locked(conn, select(enroll_codes).where(enroll_codes.c.code_hash == _code_hash(req.enroll_code)))
        if code is None or code.device_id is None:
            raise _refuse("unknown")
        if code.expires_at < now:
            raise _refuse("expired")
        bound = code.device_id
        if req.device_id is not None and req.device_id != bound:
            if conn.execute(select(devices.c.device_id).where(devices.c.device_id == req.device_id)).first() is not None:
                raise ProtocolError(409, ErrorCode.ALREADY_ENROLLED, f"device {req.device_id!r} is already enrolled; a code cannot re-enrol it")
            raise _refuse(f"issued for device {bound!r}, not {req.device_id!r}")
        dev = conn.execute(select(devices).where(devices.c.device_id == bound)).first()
        if code.used_at is not None:
            repeat = code.enroll_key_hash == key_hash and dev is not None and (dev.journal_id or dev.device_id) == req.journal_id
            if not repeat or dev is None:
                raise _refuse("already used")
            if dev.disabled or dev.revoked_at:
                raise ProtocolError(403, ErrorCode.DEVICE_REVOKED, REVOKED_MESSAGE)
            secret = unseal(ctx.device_key, dev.secret)
            if secret is None:
                raise _refuse("already used (its answer can no longer be repeated)")
            return _answer(ctx, bound, secret, dev.community, now)  # the answer was lost: the same one again
        if dev is not None:  # only by a code minted for an id that exists (never by `device add`): never a rotation
            if dev.disabled or dev.revoked_at:
                raise ProtocolError(403, ErrorCode.DEVICE_REVOKED, REVOKED_MESSAGE)
            raise ProtocolError(409, ErrorCode.ALREADY_ENROLLED, f"device {bound!r} is already enrolled; a code cannot re-enrol it")
        claimed = conn.execute(
            update(enroll_codes).where(enroll_codes.c.code_hash == code.code_hash, enroll_codes.c.used_at.is_(None))
            .values(used_at=now, used_by=bound, enroll_key_hash=key_hash)
        )
        if claimed.rowcount != 1:
            raise _refuse("already used")
        secret = new_device_secret()
        conn.execute(insert(devices).values(
            device_id=bound, label=req.label or code.label, secret=seal(ctx.device_key, secret), enrolled_at=now,
            journal_id=None if req.journal_id == bound else req.journal_id, community=code.community,
            anchor_seq=req.anchor_seq, anchor_hash=req.anchor_hash, stored_through_seq=req.anchor_seq,
            verified_through_seq=req.anchor_seq, verified_hash=req.anchor_hash, max_seq=req.anchor_seq, chain_status="ok",
        ))
    return _answer(ctx, bound, secret, code.community, now)


def roll_key(ctx: ServerContext, device_id: str) -> KeyRollResponse:
    """Called only for a request authenticated with the device's current secret. The new secret waits in
    next_secret; the old one works until the device first signs with the new one (a lost answer is harmless)."""
    secret = new_device_secret()
    with ctx.engine.begin() as conn:
        community = conn.execute(select(devices.c.community).where(devices.c.device_id == device_id)).scalar_one()
        conn.execute(update(devices).where(devices.c.device_id == device_id).values(next_secret=seal(ctx.device_key, secret)))
    return KeyRollResponse(device_id=device_id, device_secret=secret, community=community, roster_key=_roster_key(ctx, community),
                           identity_key=identity_public_b64(ctx.identity_private))


def revoke(conn: Connection, device_id: str, now_iso: str) -> bool:
    """Permanent: no command and no enrolment clears it. False when no such device."""
    held = conn.execute(select(devices.c.revoked_at).where(devices.c.device_id == device_id)).first()
    if held is None:
        return False
    conn.execute(update(devices).where(devices.c.device_id == device_id).values(disabled=True, revoked_at=held.revoked_at or now_iso))
    return True


def device_lookup_key(conn: Connection, ctx: ServerContext, device_id: str) -> bytes:
    """The roster look-up key of the device's community (the bundle's hashes are keyed with it)."""
    community = conn.execute(select(devices.c.community).where(devices.c.device_id == device_id)).scalar()
    return community_lookup_key(ctx.lookup_master, community or DEFAULT_COMMUNITY)
