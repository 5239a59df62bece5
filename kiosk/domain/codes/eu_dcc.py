"""`eu-dcc`: the EU Digital COVID Certificate (HC1:), verified fully offline.

Steps in the order of the DCC specification (eHealth Network, "Technical Specifications
for Digital Green Certificates", vol. 1-3): prefix, Base45, zlib, COSE_Sign1, alg, kid,
signer certificate, signature, CWT claims, time, hcert schema, key usage; then our
revocation lists. The first failing step decides the status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kiosk.domain.codes import cose
from kiosk.domain.codes.context import VerifyContext
from kiosk.domain.codes.countries import ISO_3166_ALPHA2
from kiosk.domain.codes.errors import CodeError, malformed
from kiosk.domain.codes.hcert_schema import validate_hcert
from kiosk.domain.codes.trust import ALL_DCC_EKUS, DCC_EKU, Dsc
from kiosk.domain.masking import mask_name
from kiosk.domain.models import CodeFormat, CodeStatus, VerificationResult

PREFIX = "HC1:"
CLAIM_ISS, CLAIM_EXP, CLAIM_IAT, CLAIM_HCERT = 1, 4, 6, -260
TYPE_NAMES = {"v": "vaccination", "t": "test", "r": "recovery"}


@dataclass
class _Facts:
    """What we learnt before a step failed, so a failure still says which kid it was."""

    kid: str = ""
    cert_id_hash: str = ""
    details: dict[str, str] = field(default_factory=dict)


def verify_dcc(text: str, ctx: VerifyContext) -> VerificationResult:
    facts = _Facts()
    try:
        return _verify(text, ctx, facts)
    except CodeError as exc:
        return VerificationResult(
            format=CodeFormat.EU_DCC,
            status=exc.status,
            reason=exc.reason,
            kid=facts.kid,
            cert_id_hash=facts.cert_id_hash,
            details={**facts.details, "step": exc.step},
        )


def _time(claims: dict[Any, Any], key: int, name: str) -> datetime:
    value = claims.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise malformed("claims", f"the CWT claim {name} is missing or not a number")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise malformed("claims", f"the CWT claim {name} is out of range") from None


def _check_signer(msg: cose.Sign1, ctx: VerifyContext, facts: _Facts) -> Dsc:
    kid = msg.kid
    if kid is None:
        raise malformed("kid", "no key identifier (kid) in the COSE headers")
    facts.kid = kid.hex()
    signers = ctx.trust.signers(kid)
    if not signers:
        raise CodeError(CodeStatus.UNTRUSTED, "trust", f"no trusted signer certificate for kid {kid.hex()}")
    last: CodeError | None = None
    for dsc in signers:
        try:
            cose.verify_signature(msg, dsc.public_key)
            return dsc
        except CodeError as exc:
            last = exc
    assert last is not None
    raise last


def _verify(text: str, ctx: VerifyContext, facts: _Facts) -> VerificationResult:
    if not text.startswith(PREFIX):
        raise malformed("prefix", f"an EU DCC starts with {PREFIX!r}")
    msg = cose.decode_sign1(cose.base45_zlib_decode(text[len(PREFIX) :]))
    cose.check_alg(msg)
    dsc = _check_signer(msg, ctx, facts)
    claims = cose.decode_claims(msg.payload)

    hcert_map = claims.get(CLAIM_HCERT)
    hcert = hcert_map.get(1) if isinstance(hcert_map, Mapping) else None
    if not isinstance(hcert, Mapping):
        raise malformed("cbor", "no hcert map (claim -260, key 1) in the CWT claims")
    entries = [(k, v) for k, v in hcert.items() if k in TYPE_NAMES]
    kind = entries[0][0] if len(entries) == 1 else ""
    group = entries[0][1] if len(entries) == 1 else None
    first = group[0] if isinstance(group, list | tuple) and group and isinstance(group[0], Mapping) else {}
    uvci = first.get("ci") if isinstance(first.get("ci"), str) else None
    if uvci:
        facts.cert_id_hash = hashlib.sha256(uvci.encode("utf-8")).hexdigest()

    at = ctx.now()
    exp = _time(claims, CLAIM_EXP, "exp")
    iat = _time(claims, CLAIM_IAT, "iat")
    facts.details["expires"] = exp.isoformat()
    if at > exp:
        raise CodeError(CodeStatus.EXPIRED, "time", f"the certificate expired on {exp:%Y-%m-%d %H:%M} UTC")
    # An iat after the validation time is tolerated, as the DCC reference verifiers and the
    # conformance data do (issuers' clocks drift); the signer's validity period is not.
    if iat > exp:
        raise malformed("claims", "the certificate expires before it was issued")
    if at > dsc.not_after:
        raise CodeError(CodeStatus.EXPIRED, "time", f"the signer certificate expired on {dsc.not_after:%Y-%m-%d}")
    if at < dsc.not_before:
        raise CodeError(
            CodeStatus.NOT_YET_VALID, "time", f"the signer certificate is valid only from {dsc.not_before:%Y-%m-%d}"
        )

    doc = validate_hcert(hcert)
    if not kind:
        raise CodeError(CodeStatus.SCHEMA_INVALID, "schema", "the certificate must hold exactly one of v, t, r")
    for entry in doc[kind]:
        if entry.get("co") not in ISO_3166_ALPHA2:
            raise CodeError(
                CodeStatus.SCHEMA_INVALID, "valueset", f"{entry.get('co')!r} is not an ISO 3166 country code"
            )

    if dsc.ekus & ALL_DCC_EKUS and not dsc.ekus & DCC_EKU[kind]:
        raise CodeError(
            CodeStatus.KEY_USAGE_INVALID,
            "key-usage",
            f"the signer certificate may not sign {TYPE_NAMES[kind]} certificates",
        )
    if ctx.trust.is_revoked(facts.cert_id_hash or None, hashlib.sha256(msg.signature).hexdigest()):
        raise CodeError(CodeStatus.REVOKED, "revocation", "the certificate has been revoked")

    nam_raw = doc.get("nam")
    nam: dict[str, Any] = nam_raw if isinstance(nam_raw, dict) else {}
    name = " ".join(str(nam[k]).strip() for k in ("gn", "fn") if isinstance(nam.get(k), str) and nam[k].strip())
    iss = claims.get(CLAIM_ISS)
    details = {
        **facts.details,
        "type": TYPE_NAMES[kind],
        "issuer_country": iss if isinstance(iss, str) else "",
        "alg": cose.ALG_NAMES[cose.check_alg(msg)],
    }
    return VerificationResult(
        format=CodeFormat.EU_DCC,
        status=CodeStatus.VALID,
        reason=f"valid {TYPE_NAMES[kind]} certificate",
        holder_name_masked=mask_name(name),
        kid=facts.kid,
        cert_id_hash=facts.cert_id_hash,
        details=details,
    )
