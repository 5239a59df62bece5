"""The shared signed-code pipeline: Base45 -> zlib -> COSE_Sign1 -> CBOR (CWT) claims.

Used by both `eu-dcc` (HC1:) and our `cn-signed` (HCN1:) codes, in both directions
(decode + verify here for the kiosk; sign + encode, for the central server and tests, in
sync.common.cose_sign, which the server may import).

Why hand-written COSE: COSE_Sign1 with ES256/PS256 is ~100 lines on top of two
well-kept libraries (cbor2 for CBOR, cryptography for the maths). The only Python COSE
library (pycose) has had no release since 2023, pulls in extra crypto back-ends and
would still leave us the DCC-specific parts (tag 61/18 tolerance, kid in either header,
raw r||s ECDSA signatures). RFC 9052 section 4.4 (Sig_structure) is what we follow.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# Labels, Sig_structure and the signing direction are shared with the central server, which
# issues cn-signed codes (sync.common.cose_sign); sign1 and zlib_base45_encode are re-exported.
from sync.common.cose_sign import (
    ALG_ES256,
    ALG_NAMES,
    HDR_ALG,
    HDR_KID,
    PSS_SHA256,
    TAG_CWT,
    TAG_SIGN1,
    PublicKey,
    sig_structure,
)
from sync.common.cose_sign import sign1 as sign1
from sync.common.cose_sign import zlib_base45_encode as zlib_base45_encode

from kiosk.domain.codes.errors import CodeError, malformed
from kiosk.domain.models import CodeStatus

MAX_INFLATED = 64 * 1024  # a health certificate is < 2 KB; anything bigger is a zip bomb


@dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1 message; `protected_raw` is kept byte-exact for the signature."""

    protected_raw: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> Any:
        return self.protected.get(HDR_ALG, self.unprotected.get(HDR_ALG))

    @property
    def kid(self) -> bytes | None:
        # DCC spec: the protected header wins; the unprotected one is the fallback.
        kid = self.protected.get(HDR_KID)
        if kid is None:
            kid = self.unprotected.get(HDR_KID)
        return kid if isinstance(kid, bytes) and kid else None


def base45_zlib_decode(text: str) -> bytes:
    """Base45 (strict alphabet) then zlib inflate; uncompressed data is an error."""
    try:
        raw = base45.b45decode(text)
    except (ValueError, TypeError, IndexError):
        raise malformed("base45", "not valid Base45 text") from None
    if len(raw) < 2 or raw[0] & 0x0F != 8 or ((raw[0] << 8) | raw[1]) % 31:
        raise malformed("zlib", "the data is not zlib-compressed")
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, MAX_INFLATED)
    except zlib.error:
        raise malformed("zlib", "the compressed data is corrupt") from None
    if inflater.unconsumed_tail:
        raise malformed("zlib", f"the data inflates beyond {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise malformed("zlib", "the compressed data is truncated")
    return out


def decode_sign1(data: bytes) -> Sign1:
    """CBOR COSE_Sign1, bare or wrapped in tag 18 and/or the CWT tag 61."""
    try:
        obj = cbor2.loads(data)
    except Exception:  # cbor2 raises several types on hostile input; all mean "not CBOR"
        raise malformed("cbor", "not valid CBOR") from None
    if isinstance(obj, cbor2.CBORTag) and obj.tag == TAG_CWT:
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != TAG_SIGN1:
            raise malformed("cose", f"CBOR tag {obj.tag} is not COSE_Sign1 (18)")
        obj = obj.value
    if not isinstance(obj, list | tuple) or len(obj) != 4:
        raise malformed("cose", "COSE_Sign1 must be an array of 4 items")
    protected_raw, unprotected, payload, signature = obj
    if not isinstance(protected_raw, bytes) or not isinstance(unprotected, Mapping):
        raise malformed("cose", "COSE_Sign1 headers are not a byte string and a map")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise malformed("cose", "COSE_Sign1 payload or signature is not a byte string")
    protected = _cbor_map(protected_raw, "cose", "the protected header") if protected_raw else {}
    return Sign1(protected_raw, protected, dict(unprotected), payload, signature)


def check_alg(msg: Sign1) -> int:
    alg = msg.alg
    if alg not in ALG_NAMES:
        raise malformed("alg", f"signature algorithm {alg!r} is not ES256 or PS256")
    return int(alg)


def verify_signature(msg: Sign1, key: PublicKey) -> None:
    """Raises CodeError(signature-invalid) unless the signature matches the key."""
    alg = check_alg(msg)
    tbs = sig_structure(msg.protected_raw, msg.payload)
    bad = CodeError(CodeStatus.SIGNATURE_INVALID, "signature", "the signature does not match the signer's key")
    try:
        if alg == ALG_ES256:
            if not isinstance(key, ec.EllipticCurvePublicKey) or len(msg.signature) != 64:
                raise bad
            r = int.from_bytes(msg.signature[:32], "big")
            s = int.from_bytes(msg.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), tbs, ec.ECDSA(hashes.SHA256()))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                raise bad
            key.verify(msg.signature, tbs, PSS_SHA256, hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise bad from None


def _cbor_map(data: bytes, step: str, what: str, kind: str = "a map") -> dict[Any, Any]:
    """`data` decoded as a CBOR map, or CodeError(malformed) at `step` naming `what` it is."""
    try:
        value = cbor2.loads(data)
    except Exception:  # cbor2 raises several types on hostile input; all mean "not CBOR"
        raise malformed(step, f"{what} is not valid CBOR") from None
    if not isinstance(value, Mapping):
        raise malformed(step, f"{what} is not {kind}")
    return dict(value)


def decode_claims(payload: bytes) -> dict[Any, Any]:
    return _cbor_map(payload, "cbor", "the signed payload", "a CBOR map of claims")
