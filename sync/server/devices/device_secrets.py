"""Device secrets at rest, and the per-community roster look-up keys.

Choice (docs/central-server.md): devices keep HMAC-SHA256 request signing with a shared secret,
and the server stores each secret sealed with Fernet under `secrets/device_secrets.key` (0600,
never in the database). A copied database, a backup or a read-only SQL hole yields no usable
secret; the key file sits beside the bundle-signing key, which an attacker on the host has anyway.
"""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, select, update

from sync.server.devices.tables import devices

log = logging.getLogger("kiosk-central")
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so in base64


def seal(key: Fernet, secret: str) -> str:
    return key.encrypt(secret.encode("ascii")).decode("ascii")


def unseal(key: Fernet, stored: str) -> str | None:
    """The clear secret, or None when the stored value does not open with this key (logged)."""
    try:
        return key.decrypt(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        return None


def seal_clear_rows(engine: Engine, key: Fernet) -> int:
    """Data migration at start (after Alembic 0003): seal secrets still held in clear. Idempotent."""
    with engine.begin() as conn:
        rows = conn.execute(select(devices.c.device_id, devices.c.secret).where(~devices.c.secret.startswith(FERNET_PREFIX))).all()
        for row in rows:
            conn.execute(update(devices).where(devices.c.device_id == row.device_id).values(secret=seal(key, row.secret)))
    if rows:
        log.warning("sealed %d device secret(s) that were stored in clear", len(rows))
    return len(rows)


def community_lookup_key(master: bytes, community: str) -> bytes:
    """32 bytes for HMAC look-up hashes of one community's roster; kiosks get it at enrolment."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kiosk-roster-lookup:" + community.encode("utf-8")).derive(master)
