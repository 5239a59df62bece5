"""The wire protocol on its own (no server): signing, limits, parsing, bundles, ETags."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import (
    BatchEnvelope,
    BundleError,
    ProtocolError,
    check_timestamp,
    encode_batch,
    etag_for,
    etag_matches,
    gunzip_limited,
    new_device_secret,
    parse_batch,
    read_auth_headers,
    read_body,
    sign_bundle,
    sign_request,
    verify_bundle,
    verify_signature,
)
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash
from sync.server.db import HEAD_REVISION, head_revision

DEV = str(uuid.uuid4())
SECRET = new_device_secret()
BODY = b'{"hello": "world"}'


def _records(n: int, device: str = DEV) -> list[dict[str, object]]:
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        uid, body, at = str(uuid.uuid4()), canonical_json({"seq": seq}), "2026-11-28T07:00:00.000000+00:00"
        digest = record_hash(device, seq, uid, "gate_entry", at, body, prev)
        out.append({"uuid": uid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": prev, "hash": digest})
        prev = digest
    return out


def test_a_signed_request_verifies() -> None:
    headers = sign_request(DEV, SECRET, "post", "/v1/batches", BODY)
    signed = read_auth_headers(headers)
    assert (signed.device_id, signed.digest, signed.signature) == (DEV, hashlib.sha256(BODY).hexdigest(), headers["X-Kiosk-Signature"])
    assert abs(signed.timestamp - time.time()) < 5 and signed.nonce == headers["X-Kiosk-Nonce"]
    assert check_timestamp(signed, time.time()) is None  # raises when it does not hold
    assert verify_signature(signed, SECRET, "POST", "/v1/batches", BODY) is None


KNOWN_SIGNATURE = "e8226e6e85e665f31ec7ed0ed0b3d522f2b84183d09c65e12868a89691ffea2b"


def test_request_signature_known_answer() -> None:
    """docs/sync-protocol.md, spelled out by hand: HMAC-SHA256 over seven lines, keyed with
    the base64url-decoded secret. Fixed values, so a change of the scheme cannot go unnoticed."""
    secret = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()
    device, nonce, now = "dev-0001", "n0nce-n0nce-n0nce-01", 1795849200
    headers = sign_request(device, secret, "post", "/v1/batches", BODY, now=now, nonce=nonce)
    digest = hashlib.sha256(BODY).hexdigest()
    material = "\n".join(["KIOSK-HMAC-SHA256-V1", "POST", "/v1/batches", "1795849200", nonce, digest, device])
    by_hand = hmac.new(bytes(range(32)), material.encode(), hashlib.sha256).hexdigest()
    assert headers == {
        "X-Kiosk-Device": device, "X-Kiosk-Timestamp": "1795849200", "X-Kiosk-Nonce": nonce,
        "X-Kiosk-Content-SHA256": digest, "X-Kiosk-Signature": by_hand,
    }
    assert by_hand == KNOWN_SIGNATURE
    verify_signature(read_auth_headers(headers), secret, "POST", "/v1/batches", BODY)


@pytest.mark.parametrize(
    ("method", "path", "body", "secret", "code"),
    [
        ("GET", "/v1/batches", BODY, SECRET, "bad-signature"),  # another method
        ("POST", "/v1/bundle", BODY, SECRET, "bad-signature"),  # another path
        ("POST", "/v1/batches?x=1", BODY, SECRET, "bad-signature"),  # a query added
        ("POST", "/v1/batches", BODY + b" ", SECRET, "digest-mismatch"),  # body changed
        ("POST", "/v1/batches", BODY, new_device_secret(), "bad-signature"),  # another secret
    ],
)
def test_any_change_breaks_the_signature(method: str, path: str, body: bytes, secret: str, code: str) -> None:
    signed = read_auth_headers(sign_request(DEV, SECRET, "POST", "/v1/batches", BODY))
    with pytest.raises(ProtocolError) as err:
        verify_signature(signed, secret, method, path, body)
    assert err.value.code == code


def test_changing_the_signed_headers_breaks_the_signature() -> None:
    headers = sign_request(DEV, SECRET, "POST", "/v1/batches", BODY)
    for name, value in [("X-Kiosk-Timestamp", str(int(headers["X-Kiosk-Timestamp"]) + 1)), ("X-Kiosk-Nonce", "A" * 24),
                        ("X-Kiosk-Device", str(uuid.uuid4()))]:
        with pytest.raises(ProtocolError, match="signature"):
            verify_signature(read_auth_headers(headers | {name: value}), SECRET, "POST", "/v1/batches", BODY)


@pytest.mark.parametrize("drop", ["X-Kiosk-Device", "X-Kiosk-Timestamp", "X-Kiosk-Nonce", "X-Kiosk-Content-SHA256", "X-Kiosk-Signature"])
def test_a_missing_header_is_named(drop: str) -> None:
    headers = sign_request(DEV, SECRET, "POST", "/v1/batches", BODY)
    del headers[drop]
    with pytest.raises(ProtocolError, match=drop) as err:
        read_auth_headers(headers)
    assert err.value.status == 401


@pytest.mark.parametrize(("offset", "ok"), [(0, True), (299, True), (-299, True), (301, False), (-301, False), (-86400, False)])
def test_clock_window(offset: int, ok: bool) -> None:
    now = 1_800_000_000.0
    signed = read_auth_headers(sign_request(DEV, SECRET, "GET", "/v1/bundle", b"", now=now + offset))
    if ok:
        check_timestamp(signed, now)
    else:
        with pytest.raises(ProtocolError) as err:
            check_timestamp(signed, now)
        assert err.value.code == "stale-timestamp" and err.value.details["server_time_unix"] == now


def test_batch_round_trip_keeps_every_field() -> None:
    recs = _records(5)
    batch = parse_batch(read_body(encode_batch(DEV, str(uuid.uuid4()), recs, device_last_seq=9), "application/json", "gzip", 10**6))
    assert isinstance(batch, BatchEnvelope) and batch.device_last_seq == 9
    assert [r.model_dump() for r in batch.records] == recs


def test_a_record_hashed_for_another_device_is_refused() -> None:
    raw = gzip.decompress(encode_batch(DEV, str(uuid.uuid4()), _records(2, device=str(uuid.uuid4()))))
    with pytest.raises(ProtocolError, match="hash does not match") as err:
        parse_batch(raw)
    assert err.value.status == 422


def test_limits() -> None:
    raw = gzip.decompress(encode_batch(DEV, str(uuid.uuid4()), _records(3)))
    with pytest.raises(ProtocolError, match="limit is 2") as err:
        parse_batch(raw, max_records=2)
    assert err.value.status == 413
    with pytest.raises(ProtocolError) as err:
        gunzip_limited(gzip.compress(b"0" * 5000), limit=4096)
    assert err.value.status == 413
    assert gunzip_limited(gzip.compress(b"0" * 4096), limit=4096) == b"0" * 4096
    with pytest.raises(ProtocolError, match="truncated"):
        gunzip_limited(gzip.compress(b"x" * 1000)[:-8])


def test_bundle_signature_and_etag() -> None:
    key = Ed25519PrivateKey.generate()
    bundle = {"version": 1, "issued_at": "2026-11-28T00:00:00+00:00", "policy": {"mode": "lockdown"},
              "risk_areas": [{"region_code": "110105", "level": "high", "since": "2026-11-20"}]}
    envelope, etag = sign_bundle(bundle, key)
    content, etag2 = verify_bundle(envelope, key.public_key())
    assert content == bundle and etag == etag2 == etag_for(canonical_json(bundle))
    env = json.loads(envelope)
    forged = json.dumps(env | {"payload": env["payload"].replace("lockdown", "normal")}).encode()
    with pytest.raises(BundleError, match="signature"):
        verify_bundle(forged, key.public_key())
    with pytest.raises(BundleError, match="invalid bundle"):
        sign_bundle(bundle | {"policy": {"mode": "panic"}}, key)
    with pytest.raises(BundleError, match="not JSON"):
        verify_bundle(b"<html>", key.public_key())


@pytest.mark.parametrize(
    ("header", "matches"),
    [(None, False), ("", False), ('"abc"', True), ('W/"abc"', True), ('"x", "abc"', True), ("*", True), ('"abd"', False)],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches


def test_head_revision_is_kept_in_step_with_the_migrations() -> None:
    assert head_revision() == HEAD_REVISION
