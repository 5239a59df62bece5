"""cn-signed (HCN1:): issue with a real ES256 issuer key, verify offline against the bundle."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest

from kiosk.domain.codes import TrustStore, VerifyContext, verify
from kiosk.domain.codes.cn_signed import (
    generate_issuer_key,
    id_number_hash,
    issue_cn_signed,
    load_issuer_key,
)
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource
from tests.verify.factory import T0

KEY = generate_issuer_key()
ISSUER = "示范区健康码中心"


def issue(**over: Any) -> str:
    args: dict[str, Any] = {
        "code_id": "C-0001",
        "colour": "green",
        "holder_name": "张三丰",
        "id_number": "110105199003071234",
        "issuer": ISSUER,
        "issued_at": T0 - timedelta(hours=1),
        "expires_at": T0 + timedelta(days=1),
        "private_key": KEY.private_key,
        "kid": KEY.kid,
    }
    args.update(over)
    return issue_cn_signed(**args)


def trust(issuer: str = ISSUER) -> TrustStore:
    return TrustStore.from_bundle(
        {
            "cn_issuers": [{"kid": KEY.kid_b64, "public_key": KEY.public_pem(), "issuer": issuer}],
            "dsc": [],
            "revoked": {},
        }
    )


def ctx(t: TrustStore | None = None, at: Any = T0, leeway_s: int = 0) -> VerifyContext:
    return VerifyContext(trust=t if t is not None else trust(), at=at, leeway_s=leeway_s)


@pytest.mark.parametrize("colour", ["green", "yellow", "red"])
def test_a_signed_code_carries_its_colour_offline(colour: str) -> None:
    code = issue(colour=colour)
    assert code.startswith("HCN1:") and len(code) < 400  # fits a small QR code
    r = verify(code, ctx())
    assert (r.format, r.status, r.colour, r.colour_source) == (
        CodeFormat.CN_SIGNED,
        CodeStatus.VALID,
        Colour(colour),
        ColourSource.SIGNED,
    )
    assert r.holder_name_masked == "张**" and r.id_masked == "110***********1234"
    assert r.details["id_hash"] == id_number_hash("C-0001", "110105199003071234")
    assert r.cert_id_hash == hashlib.sha256(b"C-0001").hexdigest()
    assert "张三丰" not in str(r) and "199003071234" not in str(r)


def test_the_code_itself_holds_no_full_name_or_id() -> None:
    import zlib

    import base45

    raw = zlib.decompress(base45.b45decode(issue()[5:]))
    assert "张三丰".encode() not in raw and b"110105199003071234" not in raw


@pytest.mark.parametrize(
    ("code", "context", "status", "step"),
    [
        (
            lambda: issue(expires_at=T0 - timedelta(seconds=1), issued_at=T0 - timedelta(days=1)),
            lambda: ctx(),
            CodeStatus.EXPIRED,
            "time",
        ),
        (
            lambda: issue(issued_at=T0 + timedelta(minutes=10), expires_at=T0 + timedelta(days=1)),
            lambda: ctx(),
            CodeStatus.NOT_YET_VALID,
            "time",
        ),
        (lambda: issue(), lambda: ctx(TrustStore()), CodeStatus.UNTRUSTED, "trust"),
        (lambda: issue(), lambda: ctx(trust("另一个中心")), CodeStatus.UNTRUSTED, "trust"),
        (lambda: issue()[:-6] + "AAAAAA", lambda: ctx(), None, None),
        (lambda: "HCN1:" + "%%%", lambda: ctx(), CodeStatus.MALFORMED, "base45"),
    ],
    ids=["expired", "future", "no-key", "issuer-mismatch", "tampered", "garbage"],
)
def test_rejections(code: Any, context: Any, status: CodeStatus | None, step: str | None) -> None:
    r = verify(code(), context())
    assert r.format is CodeFormat.CN_SIGNED and r.reason
    if status is None:  # a changed tail breaks zlib, CBOR or the signature: never valid
        assert r.status in (CodeStatus.MALFORMED, CodeStatus.SIGNATURE_INVALID)
    else:
        assert (r.status, r.details.get("step")) == (status, step)


def test_clock_leeway_applies_to_issue_time_only() -> None:
    early = issue(issued_at=T0 + timedelta(minutes=2), expires_at=T0 + timedelta(days=1))
    assert verify(early, ctx(leeway_s=300)).is_valid
    late = issue(issued_at=T0 - timedelta(days=1), expires_at=T0 - timedelta(seconds=30))
    assert verify(late, ctx(leeway_s=300)).status is CodeStatus.EXPIRED


def test_revoked_by_code_id() -> None:
    t = trust()
    t.add_revocations(uvci_sha256=[hashlib.sha256(b"C-0001").hexdigest()])
    assert verify(issue(), ctx(t)).status is CodeStatus.REVOKED
    assert verify(issue(code_id="C-0002"), ctx(t)).is_valid


def test_a_dcc_signer_key_does_not_make_cn_codes_trusted() -> None:
    from tests.verify.factory import make_signer

    other = generate_issuer_key()
    code = issue(private_key=other.private_key, kid=KEY.kid)  # right kid, wrong key
    assert verify(code, ctx()).status is CodeStatus.SIGNATURE_INVALID
    assert make_signer().kid != KEY.kid


def test_issuer_key_round_trips_through_pem() -> None:
    again = load_issuer_key(KEY.private_pem())
    assert again.kid == KEY.kid and again.public_pem() == KEY.public_pem()
    with pytest.raises(ValueError, match="P-256"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        k = ec.generate_private_key(ec.SECP384R1())
        load_issuer_key(
            k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"colour": "blue"}, "colour"),
        ({"code_id": ""}, "code_id"),
        ({"code_id": "x" * 65}, "code_id"),
        ({"id_number": " "}, "must not be empty"),
        ({"expires_at": T0 - timedelta(days=2)}, "after issued_at"),
        ({"expires_at": T0 + timedelta(days=60)}, "31 days"),
        ({"issued_at": (T0 - timedelta(hours=1)).replace(tzinfo=None)}, "time zone"),
    ],
)
def test_issuing_rejects_bad_input_with_a_message(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        issue(**over)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"cn_issuers": [{"kid": "AAAA", "public_key": "nope", "issuer": "x"}]}, "PEM"),
        ({"cn_issuers": "x"}, "expected a list"),
        ({"dsc": [{"kid": "AAAA", "certificate": "!!"}]}, "base64"),
        ({"dsc": [{"certificate": "AAAA"}]}, "X.509"),
        ({"revoked": {"uvci_sha256": ["xyz"]}}, "hex SHA-256"),
    ],
)
def test_a_bad_bundle_trust_section_is_refused_with_the_place(section: dict[str, Any], message: str) -> None:
    from kiosk.domain.codes import TrustError

    with pytest.raises(TrustError, match=message):
        TrustStore.from_bundle(section)
