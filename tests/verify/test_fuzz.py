"""Whatever arrives from a camera, a scanner or a person: exactly one result, never an
exception. Hypothesis drives the whole pipeline (registry -> format -> Base45 -> zlib ->
COSE -> CBOR -> schema), including inputs that get past the early steps."""

from __future__ import annotations

import zlib

import base45
import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.codes import VerifyContext, cose, verify
from kiosk.domain.codes.errors import CodeError
from kiosk.domain.models import CodeStatus, VerificationResult
from tests.verify.factory import T0, make_dcc, make_signer

SIGNER = make_signer()
CTX = VerifyContext(trust=SIGNER.trust(), at=T0, cn_token_patterns=(r"^https?://[^/\s]+/hc/[A-Za-z0-9_-]{16,64}$",))
GOOD = make_dcc(SIGNER)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_result(payload: str | bytes) -> VerificationResult:
    result = verify(payload, CTX)
    assert isinstance(result, VerificationResult)
    assert isinstance(result.status, CodeStatus)
    assert result.status is not CodeStatus.VALID or payload in (GOOD, GOOD.encode())
    if result.status is not CodeStatus.VALID:
        assert result.reason
    return result


@FUZZ
@given(st.binary(max_size=5000))
def test_random_bytes(data: bytes) -> None:
    one_result(data)


@FUZZ
@given(st.text(min_size=1, max_size=300), st.sampled_from(["", "HC1:", "HCN1:", "https://a.example/hc/"]))
def test_ten_kilobytes_of_text(chunk: str, prefix: str) -> None:
    # Hypothesis caps generated sizes far below 10 KB, so a random chunk is repeated.
    text = prefix + chunk * (10_240 // len(chunk) + 1)
    result = one_result(text)
    if len(text.strip().encode("utf-8", "surrogatepass")) > 4096:
        assert (result.status, result.details["step"]) == (CodeStatus.MALFORMED, "size")


@FUZZ
@given(st.binary(min_size=1, max_size=300), st.sampled_from([b"HC1:", b"HCN1:", b""]))
def test_broken_utf8(data: bytes, prefix: bytes) -> None:
    one_result(prefix + b"\xff\xfe" + data + b"\xc3")


@FUZZ
@given(
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=800), st.sampled_from(["HC1:", "HCN1:"])
)
def test_base45_alphabet_behind_a_known_prefix(body: str, prefix: str) -> None:
    one_result(prefix + body)


@FUZZ
@given(st.binary(max_size=1500), st.sampled_from(["HC1:", "HCN1:"]))
def test_valid_base45_and_zlib_around_random_cbor_bytes(data: bytes, prefix: str) -> None:
    one_result(prefix + cose.zlib_base45_encode(data))


cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.integers(-300, 10) | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(cbor_values, cbor_values, cbor_values, st.sampled_from([None, 18, 61]))
def test_structured_cose_with_random_headers_and_claims(
    protected: object, unprotected: object, claims: object, tag: int | None
) -> None:
    body = [cbor2.dumps(protected), unprotected, cbor2.dumps(claims), b"\x00" * 64]
    obj: object = body if tag is None else cbor2.CBORTag(tag, body)
    one_result("HC1:" + base45.b45encode(zlib.compress(cbor2.dumps(obj))).decode())


@FUZZ
@given(st.integers(0, len(GOOD) - 1), st.characters(codec="ascii"))
def test_one_changed_character_never_stays_valid(pos: int, char: str) -> None:
    mutated = GOOD[:pos] + char + GOOD[pos + 1 :]
    result = one_result(mutated)
    if mutated != GOOD and mutated.strip() != GOOD:
        assert result.status is not CodeStatus.VALID


@pytest.mark.parametrize(("protected", "payload", "step", "reason"), [
    (b"\xff", cbor2.dumps({}), "cose", "the protected header is not valid CBOR"),
    (cbor2.dumps([1]), cbor2.dumps({}), "cose", "the protected header is not a map"),
    (b"", b"\xff", "cbor", "the signed payload is not valid CBOR"),
    (b"", cbor2.dumps([1]), "cbor", "the signed payload is not a CBOR map of claims"),
])
def test_a_header_or_payload_that_is_not_a_cbor_map_is_malformed(protected: bytes, payload: bytes, step: str,
                                                                 reason: str) -> None:
    with pytest.raises(CodeError) as caught:
        msg = cose.decode_sign1(cbor2.dumps([protected, {}, payload, b"sig"]))
        cose.decode_claims(msg.payload)
    assert (caught.value.status, caught.value.step, caught.value.reason) == (CodeStatus.MALFORMED, step, reason)
