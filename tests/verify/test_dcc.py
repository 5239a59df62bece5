"""EU DCC verification with certificates we sign ourselves: each step's rejection, ES256
and PS256, COSE variants, revocation, and the one-result contract at the edges."""

from __future__ import annotations

import zlib
from datetime import timedelta

import base45
import cbor2
import pytest

from kiosk.domain.codes import MAX_PAYLOAD_BYTES, TrustStore, VerifyContext, cose, verify
from kiosk.domain.models import CodeFormat, CodeStatus
from tests.verify.factory import (
    EKU_RECOVERY,
    EKU_TEST,
    EKU_VACC,
    T0,
    make_dcc,
    make_signer,
    pcr_test,
    uvci_hash,
    vaccination,
)

ES = make_signer("ES256")
PS = make_signer("PS256")


def ctx(*signers: object, at: object = T0) -> VerifyContext:
    trust = TrustStore()
    for s in signers:
        trust.merge(s.trust())  # type: ignore[attr-defined]
    return VerifyContext(trust=trust, at=at)  # type: ignore[arg-type]


@pytest.mark.parametrize("signer", [ES, PS], ids=["ES256", "PS256"])
def test_a_good_certificate_is_valid_with_masked_holder(signer: object) -> None:
    r = verify(make_dcc(signer), ctx(signer))  # type: ignore[arg-type]
    assert r.format is CodeFormat.EU_DCC and r.status is CodeStatus.VALID, r.reason
    assert r.holder_name_masked == "M**** ******"  # masking.mask_name: first letter only
    assert r.kid == signer.kid.hex()  # type: ignore[attr-defined]
    assert r.cert_id_hash == uvci_hash("URN:UVCI:01:CN:TESTVAC0001#X")
    assert r.details["type"] == "vaccination" and r.details["alg"] in ("ES256", "PS256")


def _flip_last_signature_byte(code: str) -> str:
    raw = zlib.decompress(base45.b45decode(code[4:]))
    tag = cbor2.loads(raw)
    prot, unprot, payload, sig = tag.value
    bad = cbor2.dumps(cbor2.CBORTag(18, [prot, dict(unprot), payload, sig[:-1] + bytes([sig[-1] ^ 1])]))
    return "HC1:" + cose.zlib_base45_encode(bad)


def _rewrap(code: str, wrap: str) -> str:
    tag = cbor2.loads(zlib.decompress(base45.b45decode(code[4:])))
    prot, unprot, payload, sig = tag.value
    arr = [prot, dict(unprot), payload, sig]
    obj = arr if wrap == "bare" else cbor2.CBORTag(61, cbor2.CBORTag(18, arr))
    return "HC1:" + cose.zlib_base45_encode(cbor2.dumps(obj))


@pytest.mark.parametrize("wrap", ["bare", "cwt"])
def test_cose_with_or_without_tags_61_and_18(wrap: str) -> None:
    assert verify(_rewrap(make_dcc(ES), wrap), ctx(ES)).status is CodeStatus.VALID


def test_kid_only_in_the_unprotected_header_is_used() -> None:
    claims = {
        1: "FR",
        6: int((T0 - timedelta(days=1)).timestamp()),
        4: int((T0 + timedelta(days=9)).timestamp()),
        -260: {1: vaccination()},
    }
    prot = cbor2.dumps({1: cose.ALG_ES256})
    payload = cbor2.dumps(claims)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    assert isinstance(ES.key, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(ES.key.sign(cose.sig_structure(prot, payload), ec.ECDSA(hashes.SHA256())))
    msg = cbor2.dumps(cbor2.CBORTag(18, [prot, {4: ES.kid}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")]))
    result = verify("HC1:" + cose.zlib_base45_encode(msg), ctx(ES))
    assert result.status is CodeStatus.VALID, result.reason


def _custom_headers(protected: dict[int, object], unprotected: dict[int, object]) -> str:
    """A DCC signed by ES with the headers given (alg / kid missing, unsupported...)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    claims = {1: "FR", 6: int(T0.timestamp()) - 60, 4: int(T0.timestamp()) + 3600, -260: {1: vaccination()}}
    prot, payload = cbor2.dumps(protected), cbor2.dumps(claims)
    assert isinstance(ES.key, ec.EllipticCurvePrivateKey)
    sig = ES.key.sign(cose.sig_structure(prot, payload), ec.ECDSA(hashes.SHA256()))
    return "HC1:" + cose.zlib_base45_encode(cbor2.dumps(cbor2.CBORTag(18, [prot, unprotected, payload, sig])))


@pytest.mark.parametrize(
    ("code", "status", "step"),
    [
        (lambda: _custom_headers({1: -35, 4: ES.kid}, {}), CodeStatus.MALFORMED, "alg"),
        (lambda: _custom_headers({4: ES.kid}, {}), CodeStatus.MALFORMED, "alg"),
        (lambda: _custom_headers({1: -7}, {}), CodeStatus.MALFORMED, "kid"),
        (lambda: _custom_headers({1: -7, 4: ES.kid}, {}), CodeStatus.SIGNATURE_INVALID, "signature"),  # DER, not r||s
        (lambda: make_dcc(ES, iat=T0, exp=T0 - timedelta(seconds=1)), CodeStatus.EXPIRED, "time"),
        (lambda: make_dcc(ES, iat=T0 + timedelta(days=2), exp=T0 + timedelta(days=1)), CodeStatus.MALFORMED, "claims"),
    ],
    ids=["es384", "no-alg", "no-kid", "der-signature", "expired-before-issue", "exp-before-iat"],
)
def test_header_and_claim_problems(code: object, status: CodeStatus, step: str) -> None:
    result = verify(code(), ctx(ES))  # type: ignore[operator]
    assert (result.status, result.details.get("step")) == (status, step), result.reason


@pytest.mark.parametrize(
    ("make", "status", "step"),
    [
        (lambda: "HC1:" + "!!!!", CodeStatus.MALFORMED, "base45"),
        (lambda: "HC1:" + base45.b45encode(b"not zlib at all").decode(), CodeStatus.MALFORMED, "zlib"),
        (lambda: "HC1:" + base45.b45encode(zlib.compress(b"x" * 10)[:-3]).decode(), CodeStatus.MALFORMED, "zlib"),
        (lambda: "HC1:" + base45.b45encode(zlib.compress(b"\x00" * 200_000)).decode(), CodeStatus.MALFORMED, "zlib"),
        (lambda: "HC1:" + cose.zlib_base45_encode(b"\xff\xfe"), CodeStatus.MALFORMED, "cbor"),
        (lambda: "HC1:" + cose.zlib_base45_encode(cbor2.dumps([1, 2, 3])), CodeStatus.MALFORMED, "cose"),
        (
            lambda: "HC1:" + cose.zlib_base45_encode(cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""]))),
            CodeStatus.MALFORMED,
            "cose",
        ),
        (lambda: _flip_last_signature_byte(make_dcc(ES)), CodeStatus.SIGNATURE_INVALID, "signature"),
        (lambda: _flip_last_signature_byte(make_dcc(PS)), CodeStatus.SIGNATURE_INVALID, "signature"),
        (lambda: make_dcc(make_signer()), CodeStatus.UNTRUSTED, "trust"),
        (lambda: make_dcc(ES, exp=T0 - timedelta(seconds=1)), CodeStatus.EXPIRED, "time"),
        (lambda: make_dcc(ES, hcert={"ver": "1.3.0", "nam": {}}), CodeStatus.SCHEMA_INVALID, "schema"),
        (lambda: make_dcc(ES, hcert={**vaccination(), "dob": "yesterday"}), CodeStatus.SCHEMA_INVALID, "schema"),
        (
            lambda: make_dcc(ES, hcert={**vaccination(), "v": [{**vaccination()["v"][0], "co": "XY"}]}),
            CodeStatus.SCHEMA_INVALID,
            "valueset",
        ),
        (lambda: make_dcc(ES, claims_extra={-260: {1: b"not a map"}}), CodeStatus.MALFORMED, "cbor"),
        (lambda: make_dcc(ES, claims_extra={4: "tomorrow"}), CodeStatus.MALFORMED, "claims"),
    ],
    ids=[
        "base45",
        "not-zlib",
        "zlib-truncated",
        "zip-bomb",
        "not-cbor",
        "not-cose",
        "cose-sign",
        "sig-es256",
        "sig-ps256",
        "unknown-kid",
        "expired",
        "schema-missing",
        "schema-dob",
        "country",
        "hcert-bytes",
        "exp-text",
    ],
)
def test_each_step_rejects_with_its_status_and_step(make: object, status: CodeStatus, step: str) -> None:
    result = verify(make(), ctx(ES, PS))  # type: ignore[operator]
    assert (result.status, result.details.get("step")) == (status, step), result.reason
    assert result.format is CodeFormat.EU_DCC and result.reason


def test_signer_certificate_validity_period_is_enforced() -> None:
    old = make_signer(not_before=T0 - timedelta(days=400), not_after=T0 - timedelta(days=1))
    young = make_signer(not_before=T0 + timedelta(days=1), not_after=T0 + timedelta(days=400))
    assert verify(make_dcc(old), ctx(old)).status is CodeStatus.EXPIRED
    assert verify(make_dcc(young), ctx(young)).status is CodeStatus.NOT_YET_VALID


@pytest.mark.parametrize(
    ("ekus", "hcert", "ok"),
    [
        ((), vaccination(), True),
        ((EKU_VACC,), vaccination(), True),
        ((EKU_TEST,), vaccination(), False),
        ((EKU_TEST, EKU_RECOVERY), vaccination(), False),
        ((EKU_TEST,), pcr_test(), True),
        ((EKU_VACC,), pcr_test(), False),
        (("1.3.6.1.5.5.7.3.4",), pcr_test(), True),  # an unrelated usage restricts nothing
    ],
)
def test_key_usage_limits_the_certificate_types(ekus: tuple[str, ...], hcert: dict[str, object], ok: bool) -> None:
    signer = make_signer(ekus=ekus)
    result = verify(make_dcc(signer, hcert=hcert), ctx(signer))
    assert result.status is (CodeStatus.VALID if ok else CodeStatus.KEY_USAGE_INVALID), result.reason


def test_revocation_by_uvci_hash_and_by_signature_hash() -> None:
    import hashlib

    code = make_dcc(ES)
    trust = ES.trust()
    trust.add_revocations(uvci_sha256=[uvci_hash("URN:UVCI:01:CN:TESTVAC0001#X")])
    assert verify(code, VerifyContext(trust=trust, at=T0)).status is CodeStatus.REVOKED
    sig = cbor2.loads(zlib.decompress(base45.b45decode(code[4:]))).value[3]
    trust2 = ES.trust()
    trust2.add_revocations(signature_sha256=[hashlib.sha256(sig).hexdigest()[:32]])  # EU-style 128-bit prefix
    assert verify(code, VerifyContext(trust=trust2, at=T0)).status is CodeStatus.REVOKED
    assert verify(make_dcc(ES, hcert=vaccination("URN:UVCI:OTHER")), VerifyContext(trust=trust, at=T0)).is_valid


def test_the_bundle_trust_section_builds_the_same_trust() -> None:
    trust = TrustStore.from_bundle({"dsc": [ES.bundle_entry(), PS.bundle_entry()], "cn_issuers": [], "revoked": {}})
    assert trust.size == 2
    assert verify(make_dcc(PS), VerifyContext(trust=trust, at=T0)).is_valid


def test_size_limit_and_scanner_whitespace() -> None:
    code = make_dcc(ES)
    assert verify(f"  {code}\r\n", ctx(ES)).is_valid
    assert verify(code.encode(), ctx(ES)).is_valid
    big = "HC1:" + "A" * MAX_PAYLOAD_BYTES
    r = verify(big, ctx(ES))
    assert (r.status, r.format, r.details["step"]) == (CodeStatus.MALFORMED, CodeFormat.EU_DCC, "size")
