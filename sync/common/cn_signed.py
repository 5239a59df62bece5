"""`cn-signed` (HCN1:), our offline regional health code: the format and its issuing half.

Specified in docs/health-code-formats.md: Base45, zlib, COSE_Sign1 ES256, CWT claims. The
central server issues codes (`kiosk-central codes issue`, its demo registry); the kiosk
verifies them (kiosk.domain.codes.cn_signed) with the claim labels and the ID hash from here.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sync.common.cose_sign import key_kid, sign1, zlib_base45_encode
from sync.common.masking import mask_id, mask_name

PREFIX = "HCN1:"
CLAIM_ISS, CLAIM_EXP, CLAIM_IAT = 1, 4, 6
CLAIM_HCN = -65537  # private-use CWT claim (RFC 8392: below -65536)
FORMAT_VERSION = 1
COLOUR_NAMES = ("green", "yellow", "red")  # the colours a code may carry (Colour values)
MAX_VALIDITY = timedelta(days=31)  # an issuer bug (or key theft) should not mint codes for years


def id_number_hash(code_id: str, id_number: str) -> str:
    """The holder's ID-number hash as carried in the code: SHA-256 over "code_id:ID".

    Salted by the code id so one leaked code does not give a table for all codes; it lets
    the gate confirm a typed ID belongs to the code without the code carrying the ID.
    """
    return hashlib.sha256(f"{code_id}:{id_number.strip().upper()}".encode()).hexdigest()


@dataclass(frozen=True)
class IssuerKey:
    private_key: ec.EllipticCurvePrivateKey
    kid: bytes

    @property
    def kid_b64(self) -> str:
        return base64.b64encode(self.kid).decode("ascii")

    def public_pem(self) -> str:
        pub = self.private_key.public_key()
        return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def private_pem(self) -> bytes:
        """PKCS#8 PEM, unencrypted: the caller stores it 0600 outside the repository."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def generate_issuer_key() -> IssuerKey:
    """A new ES256 (P-256) issuer key; its kid is the first 8 bytes of SHA-256(SPKI DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return IssuerKey(key, key_kid(key.public_key()))


def load_issuer_key(private_pem: bytes) -> IssuerKey:
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("a cn-signed issuer key must be EC P-256")
    return IssuerKey(key, key_kid(key.public_key()))


def issue_cn_signed(
    *,
    code_id: str,
    colour: str,
    holder_name: str,
    id_number: str,
    issuer: str,
    issued_at: datetime,
    expires_at: datetime,
    private_key: ec.EllipticCurvePrivateKey,
    kid: bytes,
) -> str:
    """An `HCN1:` code. Only masked name and ID and the salted ID hash go into it."""
    colour_name = str(colour)  # a Colour (StrEnum) gives its value
    if colour_name not in COLOUR_NAMES:
        raise ValueError(f"colour must be one of {', '.join(COLOUR_NAMES)}, got {colour_name!r}")
    if not code_id or len(code_id) > 64 or not code_id.isprintable():
        raise ValueError("code_id must be 1-64 printable characters")
    if not id_number.strip() or not holder_name.strip() or not issuer.strip():
        raise ValueError("holder_name, id_number and issuer must not be empty")
    if issued_at.tzinfo is None or expires_at.tzinfo is None:
        raise ValueError("issued_at and expires_at must carry a time zone")
    if not issued_at < expires_at <= issued_at + MAX_VALIDITY:
        raise ValueError("expires_at must be after issued_at and at most 31 days later")
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError("private_key must be an EC P-256 key (ES256)")
    claims = {
        CLAIM_ISS: issuer,
        CLAIM_IAT: int(issued_at.timestamp()),
        CLAIM_EXP: int(expires_at.timestamp()),
        CLAIM_HCN: {
            "v": FORMAT_VERSION,
            "id": code_id,
            "c": colour_name,
            "n": mask_name(holder_name),
            "m": mask_id(id_number),
            "h": id_number_hash(code_id, id_number),
        },
    }
    return PREFIX + zlib_base45_encode(sign1(claims, private_key, kid))
