"""`cn-signed` (HCN1:): our offline regional health code, specified in
docs/health-code-formats.md. Same pipeline as the DCC (Base45, zlib, COSE_Sign1 ES256,
CWT claims); the colour is signed by the issuer, so the kiosk can trust it offline.

The central server issues codes with `issue_cn_signed` (sync.common.cn_signed, shared with the
server, which may not import kiosk.*; re-exported here); kiosks verify them here against the
issuer keys from the bundle (`trust.cn_issuers`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from sync.common.cn_signed import (
    CLAIM_EXP,
    CLAIM_HCN,
    CLAIM_IAT,
    CLAIM_ISS,
    COLOUR_NAMES,
    FORMAT_VERSION,
    PREFIX,
)
from sync.common.cn_signed import generate_issuer_key as generate_issuer_key
from sync.common.cn_signed import id_number_hash as id_number_hash
from sync.common.cn_signed import issue_cn_signed as issue_cn_signed
from sync.common.cn_signed import load_issuer_key as load_issuer_key

from kiosk.domain.codes import cose
from kiosk.domain.codes.context import VerifyContext
from kiosk.domain.codes.errors import CodeError, malformed
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource, VerificationResult

COLOURS = {name: Colour(name) for name in COLOUR_NAMES}


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
