"""The identity on gate passes, server side: the key kiosks seal ID numbers to, and opening them.

A pass carries `identity = {"hash": ..., "sealed": ..., "source": ...}` (docs/sync-protocol.md):
`hash` is the community's roster look-up hash of the normalised ID number (the same HMAC key the
bundle's roster uses, so a pass links to a roster resident by equality), `sealed` is a libsodium
sealed box (X25519 + XSalsa20-Poly1305, PyNaCl) of the number to this server's public key.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_SEALED_CHARS = 200  # a sealed 18-character number is 66 bytes, 88 characters in base64url
SOURCES = frozenset({"roster", "id-number", "visitor", "platform", "signed-code"})


def identity_public_b64(private: bytes) -> str:
    if not private:
        return ""
    return base64.urlsafe_b64encode(bytes(PrivateKey(private).public_key)).rstrip(b"=").decode("ascii")


def unseal_id(private: bytes, sealed: str) -> str | None:
    """The sealed text (an ID number or a name), or None when the box does not open with this key (altered, or another server's)."""
    if not private or not sealed:
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        return SealedBox(PrivateKey(private)).decrypt(raw).decode("utf-8")
    except (CryptoError, binascii.Error, ValueError, UnicodeDecodeError):
        return None


def pass_identity(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(hash, sealed) from a gate_entry body; (None, None) when it names nobody or is malformed.

    The record is stored whatever this says (ingest never refuses a record for its identity); a
    malformed identity only leaves the pass unlinked, counted with the unidentified ones.
    """
    ident = body.get("identity")
    if not isinstance(ident, dict):
        return None, None
    digest, sealed = ident.get("hash"), ident.get("sealed")
    if not isinstance(digest, str) or not HASH_RE.match(digest):
        return None, None
    if not isinstance(sealed, str) or not sealed or len(sealed) > MAX_SEALED_CHARS:
        sealed = None
    return digest, sealed
