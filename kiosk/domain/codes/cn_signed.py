"""`cn-signed` (HCN1:): our offline regional health code, specified in
docs/health-code-formats.md. Same pipeline as the DCC (Base45, zlib, COSE_Sign1 ES256,
CWT claims); the colour is signed by the issuer, so the kiosk can trust it offline.

The central server issues codes with `issue_cn_signed`; kiosks verify them against the
issuer keys from the bundle (`trust.cn_issuers`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.domain.codes import cose
from kiosk.domain.codes.context import VerifyContext
from kiosk.domain.codes.errors import CodeError, malformed
from kiosk.domain.codes.trust import key_kid
from kiosk.domain.masking import mask_id, mask_name
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource, VerificationResult

PREFIX = "HCN1:"
CLAIM_ISS, CLAIM_EXP, CLAIM_IAT = 1, 4, 6
CLAIM_HCN = -65537  # private-use CWT claim (RFC 8392: below -65536)
FORMAT_VERSION = 1
COLOURS = {"green": Colour.GREEN, "yellow": Colour.YELLOW, "red": Colour.RED}
MAX_VALIDITY = timedelta(days=31)  # an issuer bug (or key theft) should not mint codes for years


def id_number_hash(code_id: str, id_number: str) -> str:
    """The holder's ID-number hash as carried in the code: SHA-256 over "code_id:ID".

    Salted by the code id so one leaked code does not give a table for all codes; it lets
    the gate confirm a typed ID belongs to the code without the code carrying the ID.
    """
    return hashlib.sha256(f"{code_id}:{id_number.strip().upper()}".encode()).hexdigest()


# --- issuing (central server) ---


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
    colour: str | Colour,
    holder_name: str,
    id_number: str,
    issuer: str,
    issued_at: datetime,
    expires_at: datetime,
    private_key: ec.EllipticCurvePrivateKey,
    kid: bytes,
) -> str:
    """An `HCN1:` code. Only masked name and ID and the salted ID hash go into it."""
    colour_name = str(colour.value if isinstance(colour, Colour) else colour)
    if colour_name not in COLOURS:
        raise ValueError(f"colour must be one of {', '.join(COLOURS)}, got {colour_name!r}")
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
    return PREFIX + cose.zlib_base45_encode(cose.sign1(claims, private_key, kid))


# --- verifying (kiosk) ---


def verify_cn_signed(text: str, ctx: VerifyContext) -> VerificationResult:
    kid_hex = ""
    try:
        if not text.startswith(PREFIX):
            raise malformed("prefix", f"a cn-signed code starts with {PREFIX!r}")
        msg = cose.decode_sign1(cose.base45_zlib_decode(text[len(PREFIX) :]))
        if cose.check_alg(msg) != cose.ALG_ES256:
            raise malformed("alg", "cn-signed codes are signed with ES256 only")
        kid = msg.kid
        if kid is None:
            raise malformed("kid", "no key identifier (kid) in the COSE headers")
        kid_hex = kid.hex()
        issuer = ctx.trust.issuer(kid)
        if issuer is None:
            raise CodeError(CodeStatus.UNTRUSTED, "trust", f"no trusted issuer key for kid {kid_hex}")
        cose.verify_signature(msg, issuer.public_key)
        return _check_claims(cose.decode_claims(msg.payload), msg, issuer.issuer, kid_hex, ctx)
    except CodeError as exc:
        return VerificationResult(
            format=CodeFormat.CN_SIGNED, status=exc.status, reason=exc.reason, kid=kid_hex, details={"step": exc.step}
        )


def _check_claims(
    claims: dict[object, object], msg: cose.Sign1, issuer: str, kid_hex: str, ctx: VerifyContext
) -> VerificationResult:
    iss, iat, exp, hcn = (claims.get(k) for k in (CLAIM_ISS, CLAIM_IAT, CLAIM_EXP, CLAIM_HCN))
    if not isinstance(iss, str) or not all(isinstance(t, int) and not isinstance(t, bool) for t in (iat, exp)):
        raise malformed("claims", "the claims iss, iat and exp are missing or of the wrong type")
    if not isinstance(hcn, Mapping):
        raise malformed("claims", "no cn-signed claim map")
    if issuer and iss != issuer:
        raise CodeError(
            CodeStatus.UNTRUSTED, "trust", f"the key of issuer {issuer!r} signed a code claiming issuer {iss!r}"
        )
    code_id, colour, name, masked_id, id_hash = (hcn.get(k) for k in ("id", "c", "n", "m", "h"))
    if hcn.get("v") != FORMAT_VERSION or not all(
        isinstance(v, str) for v in (code_id, colour, name, masked_id, id_hash)
    ):
        raise CodeError(CodeStatus.SCHEMA_INVALID, "schema", "the cn-signed claim map lacks v=1, id, c, n, m or h")
    assert isinstance(code_id, str) and isinstance(colour, str) and isinstance(id_hash, str)
    if colour not in COLOURS:
        raise CodeError(CodeStatus.SCHEMA_INVALID, "schema", f"unknown colour {colour!r}")
    cert_id_hash = hashlib.sha256(code_id.encode("utf-8")).hexdigest()
    assert isinstance(iat, int) and isinstance(exp, int)
    try:
        issued, expires = datetime.fromtimestamp(iat, UTC), datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        raise malformed("claims", "iat or exp is out of range") from None
    at = ctx.now()
    base = {"issuer": iss, "expires": expires.isoformat(), "id_hash": id_hash}
    if at > expires:
        return _fail(
            CodeStatus.EXPIRED, "time", f"the code expired at {expires:%Y-%m-%d %H:%M} UTC", kid_hex, cert_id_hash, base
        )
    if iat > at.timestamp() + ctx.leeway_s:
        return _fail(
            CodeStatus.NOT_YET_VALID,
            "time",
            f"the code is issued in the future ({issued:%Y-%m-%d %H:%M} UTC)",
            kid_hex,
            cert_id_hash,
            base,
        )
    if ctx.trust.is_revoked(cert_id_hash, hashlib.sha256(msg.signature).hexdigest()):
        return _fail(CodeStatus.REVOKED, "revocation", "the code has been revoked", kid_hex, cert_id_hash, base)
    return VerificationResult(
        format=CodeFormat.CN_SIGNED,
        status=CodeStatus.VALID,
        colour=COLOURS[colour],
        colour_source=ColourSource.SIGNED,
        reason=f"signed {colour} code from {iss}",
        holder_name_masked=str(name),
        id_masked=str(masked_id),
        kid=kid_hex,
        cert_id_hash=cert_id_hash,
        details=base,
    )


def _fail(
    status: CodeStatus, step: str, reason: str, kid_hex: str, cert_id_hash: str, details: dict[str, str]
) -> VerificationResult:
    return VerificationResult(
        format=CodeFormat.CN_SIGNED,
        status=status,
        reason=reason,
        kid=kid_hex,
        cert_id_hash=cert_id_hash,
        details={**details, "step": step},
    )
