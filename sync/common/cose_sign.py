"""COSE_Sign1 (RFC 9052) in the signing direction, and the labels both directions share.

The central server signs `cn-signed` codes (sync.common.cn_signed); the kiosk verifies them
and EU DCCs with the decoding half (kiosk.domain.codes.cose), which takes its algorithm and
header labels and its Sig_structure from here, so the two directions cannot drift apart.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ALG_ES256 = -7
ALG_PS256 = -37
ALG_NAMES = {ALG_ES256: "ES256", ALG_PS256: "PS256"}
TAG_CWT = 61
TAG_SIGN1 = 18
HDR_ALG = 1
HDR_KID = 4
PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)  # RFC 8230

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def sig_structure(protected_raw: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected_raw, b"", payload])


def key_kid(public_key: PublicKey) -> bytes:
    """Our cn-signed kid: the first 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()[:8]


# --- the issuing direction (central server, tests, benchmarks) ---


def sign1(claims: dict[Any, Any], private_key: PrivateKey, kid: bytes) -> bytes:
    """A COSE_Sign1 (tag 18) over the CBOR claims; ES256 for EC keys, PS256 for RSA."""
    alg = ALG_ES256 if isinstance(private_key, ec.EllipticCurvePrivateKey) else ALG_PS256
    protected_raw = cbor2.dumps({HDR_ALG: alg, HDR_KID: kid})
    payload = cbor2.dumps(claims)
    tbs = sig_structure(protected_raw, payload)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private_key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = private_key.sign(tbs, PSS_SHA256, hashes.SHA256())
    return cbor2.dumps(cbor2.CBORTag(TAG_SIGN1, [protected_raw, {}, payload, signature]))


def zlib_base45_encode(data: bytes) -> str:
    return str(base45.b45encode(zlib.compress(data, 9)).decode("ascii"))
