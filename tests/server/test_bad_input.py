"""Bad input to the real server: a clear 4xx, nothing stored, and the server keeps serving."""

from __future__ import annotations

import functools
import gzip
import json
import os
import time
import uuid
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import requests

from sync.protocol import PATH_BATCHES, encode_batch, new_device_secret, sign_request
from tests.server.central import Central, Kiosk, batch_headers, enrol_body, error_of

Case = Callable[[Kiosk], requests.Response]


def _signed_raw(k: Kiosk, raw_json: bytes, **hdr: str) -> requests.Response:
    body = gzip.compress(raw_json)
    return k.post(PATH_BATCHES, body, headers={**batch_headers(str(uuid.uuid4())), **hdr})


def _envelope(k: Kiosk, records: list[Any], **over: Any) -> bytes:
    env = {"protocol": 1, "device_id": k.device_id, "batch_id": str(uuid.uuid4()), "sent_at": "2026-11-28T07:00:00+00:00", "records": records}
    return json.dumps(env | over).encode()


def unsigned(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(2))
    return k.post(PATH_BATCHES, body, headers=batch_headers(bid), sign=False)


def wrong_secret(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(2))
    return k.post(PATH_BATCHES, body, headers=batch_headers(bid), secret=new_device_secret())


def signed_for_another_path(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(2))
    hdrs = {**batch_headers(bid), **sign_request(k.device_id, k.secret, "POST", "/v1/reports", body)}
    return k.session.post(k.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)


def body_altered_after_signing(k: Kiosk) -> requests.Response:
    recs = k.append(2)
    bid, body = k.batch_body(recs)
    hdrs = {**batch_headers(bid), **sign_request(k.device_id, k.secret, "POST", PATH_BATCHES, body)}
    return k.session.post(k.central.url + PATH_BATCHES, data=encode_batch(k.device_id, bid, recs[:1]), headers=hdrs, timeout=10)


def stale_timestamp(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(2))
    return k.post(PATH_BATCHES, body, headers=batch_headers(bid), now=time.time() - 600)


def future_timestamp(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(2))
    return k.post(PATH_BATCHES, body, headers=batch_headers(bid), now=time.time() + 600)


def unknown_device(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(2))
    hdrs = {**batch_headers(bid), **sign_request(str(uuid.uuid4()), k.secret, "POST", PATH_BATCHES, body)}
    return k.session.post(k.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)


def oversized_body(k: Kiosk) -> requests.Response:
    return k.post(PATH_BATCHES, os.urandom(4 * 1024 * 1024 + 10), headers=batch_headers(str(uuid.uuid4())))


def too_many_records(k: Kiosk) -> requests.Response:
    return k.send(k.append(2001))


@functools.cache
def _bomb() -> bytes:
    """~70 MiB of JSON squeezed into ~70 KB of gzip (made once per session)."""
    c = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * (1024 * 1024)
    return c.compress(b'{"records": "') + b"".join(c.compress(block) for _ in range(70)) + c.compress(b'"}') + c.flush()


def gzip_bomb(k: Kiosk) -> requests.Response:
    return k.post(PATH_BATCHES, _bomb(), headers=batch_headers(str(uuid.uuid4())))


def not_gzip(k: Kiosk) -> requests.Response:
    return k.post(PATH_BATCHES, b'{"protocol": 1}', headers=batch_headers(str(uuid.uuid4())))


def malformed_json(k: Kiosk) -> requests.Response:
    return _signed_raw(k, b'{"protocol": 1, "records": [')


def not_utf8(k: Kiosk) -> requests.Response:
    return _signed_raw(k, b'{"protocol": 1, "device_id": "\xff\xfe"}')


def seq_as_string(k: Kiosk) -> requests.Response:
    recs = k.append(2)
    recs[0]["seq"] = str(recs[0]["seq"])
    return _signed_raw(k, _envelope(k, recs))


def missing_hash(k: Kiosk) -> requests.Response:
    recs = k.append(2)
    del recs[1]["hash"]
    return _signed_raw(k, _envelope(k, recs))


def unknown_field(k: Kiosk) -> requests.Response:
    return _signed_raw(k, _envelope(k, k.append(1), colour="green"))


def records_not_a_list(k: Kiosk) -> requests.Response:
    return _signed_raw(k, _envelope(k, k.append(1)[0]))  # type: ignore[arg-type]


def empty_batch(k: Kiosk) -> requests.Response:
    return _signed_raw(k, _envelope(k, []))


def out_of_order(k: Kiosk) -> requests.Response:
    return _signed_raw(k, _envelope(k, list(reversed(k.append(3)))))


def body_tampered_record(k: Kiosk) -> requests.Response:
    recs = k.append(2)
    recs[1]["body"] = recs[1]["body"].replace("pass", "deny")
    return _signed_raw(k, _envelope(k, recs))


def naive_timestamp(k: Kiosk) -> requests.Response:
    return _signed_raw(k, _envelope(k, k.append(1), sent_at="2026-11-28T07:00:00"))


def other_device_in_envelope(k: Kiosk) -> requests.Response:
    return _signed_raw(k, _envelope(k, k.append(1), device_id=str(uuid.uuid4())))


def idempotency_key_mismatch(k: Kiosk) -> requests.Response:
    _, body = k.batch_body(k.append(1))
    return k.post(PATH_BATCHES, body, headers=batch_headers(str(uuid.uuid4())))


def wrong_content_type(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(1))
    return k.post(PATH_BATCHES, body, headers={**batch_headers(bid), "Content-Type": "text/plain"})


def unsupported_encoding(k: Kiosk) -> requests.Response:
    bid, body = k.batch_body(k.append(1))
    return k.post(PATH_BATCHES, body, headers={**batch_headers(bid), "Content-Encoding": "br"})


CASES: list[tuple[Case, int, str]] = [
    (unsigned, 401, "unsigned"),
    (wrong_secret, 401, "unauthenticated"),  # the sync log says bad-signature; the client is not told
    (signed_for_another_path, 401, "unauthenticated"),
    (body_altered_after_signing, 400, "digest-mismatch"),
    (stale_timestamp, 401, "stale-timestamp"),
    (future_timestamp, 401, "stale-timestamp"),
    (unknown_device, 401, "unauthenticated"),
    (oversized_body, 413, "too-large"),
    (too_many_records, 413, "too-large"),
    (gzip_bomb, 413, "too-large"),
    (not_gzip, 400, "malformed"),
    (malformed_json, 400, "malformed"),
    (not_utf8, 400, "malformed"),
    (seq_as_string, 422, "invalid"),
    (missing_hash, 422, "invalid"),
    (unknown_field, 422, "invalid"),
    (records_not_a_list, 422, "invalid"),
    (empty_batch, 422, "invalid"),
    (out_of_order, 422, "invalid"),
    (body_tampered_record, 422, "invalid"),
    (naive_timestamp, 422, "invalid"),
    (other_device_in_envelope, 403, "device-mismatch"),
    (idempotency_key_mismatch, 422, "invalid"),
    (wrong_content_type, 415, "unsupported-media"),
    (unsupported_encoding, 415, "unsupported-media"),
]


@pytest.mark.parametrize(("case", "status", "code"), CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_batch_is_refused_clearly_and_nothing_is_stored(kiosk: Kiosk, central: Central, case: Case, status: int, code: str) -> None:
    resp = case(kiosk)
    assert resp.status_code == status, resp.text
    err = error_of(resp)
    assert err["code"] == code and len(err["message"]) > 15, err
    assert central.records_count(kiosk.device_id) == 0
    # the server still serves, and the same kiosk can still upload
    recs = _all_records(kiosk)
    for i in range(0, len(recs), 1000):  # (the too-many case made 2001)
        again = kiosk.send(recs[i : i + 1000])
        assert again.status_code == 200, again.text
    assert again.json()["acked_through_seq"] == recs[-1]["seq"] and again.json()["chain"]["status"] == "ok"


def _all_records(k: Kiosk) -> list[dict[str, Any]]:
    from sync.protocol import wire_record
    from sync.protocol.chain import Record

    rows = k.store.db.execute("select seq, uuid, kind, created_at, body, prev_hash, hash from journal order by seq").fetchall()
    if not rows:
        return k.append(1)
    return [wire_record(Record(*r)) for r in rows]


def test_field_errors_name_the_field(kiosk: Kiosk) -> None:
    err = error_of(seq_as_string(kiosk))
    assert err["details"]["problems"][0]["field"] == "records.0.seq"
    assert "records.0.seq" in err["message"]


def test_stale_answer_tells_the_kiosk_the_server_time(kiosk: Kiosk) -> None:
    details = error_of(stale_timestamp(kiosk))["details"]
    assert abs(details["server_time_unix"] - time.time()) < 5 and details["skew_s"] < -590 and details["window_s"] == 300


def test_a_replayed_request_is_refused(kiosk: Kiosk, central: Central) -> None:
    bid, body = kiosk.batch_body(kiosk.append(3))
    hdrs = {**batch_headers(bid), **sign_request(kiosk.device_id, kiosk.secret, "POST", PATH_BATCHES, body)}
    first = kiosk.session.post(central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)
    assert first.status_code == 200 and first.json()["stored"] == 3
    replay = kiosk.session.post(central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)
    assert replay.status_code == 401 and error_of(replay)["code"] == "replayed"
    assert central.records_count(kiosk.device_id) == 3


def test_refusals_are_in_the_server_sync_log(kiosk: Kiosk, central: Central) -> None:
    assert seq_as_string(kiosk).status_code == 422  # authenticated, then refused: the device's own log
    rows = json.loads(central.cli("sync-log", "--device", kiosk.device_id, "--json", subprocess_=True).stdout)
    assert rows[0]["status"] == 422 and rows[0]["error_code"] == "invalid" and rows[0]["endpoint"] == "batches"
    assert central.admin_get("/admin/sync-log", device=kiosk.device_id)[0]["error_code"] == "invalid"


def test_unauthenticated_refusals_are_logged_apart_not_under_the_claimed_device(kiosk: Kiosk, central: Central) -> None:
    """Anyone can claim a device id: a refused signature lands in the refused-request log, by source address."""
    before = central.admin_get("/admin/sync-log", device=kiosk.device_id)
    wrong_secret(kiosk)
    assert central.admin_get("/admin/sync-log", device=kiosk.device_id) == before
    refused = central.admin_get("/admin/refused", source="127.0.0.1")[0]
    assert refused["claimed_device"] == kiosk.device_id and refused["error_code"] == "bad-signature" and refused["endpoint"] == "batches"


def test_enrolment_codes_are_one_time(central: Central) -> None:
    code = central.enrol_code()
    body = enrol_body(code, str(uuid.uuid4()))
    assert requests.post(central.url + "/v1/enroll", json=body, timeout=10).status_code == 200
    again = requests.post(central.url + "/v1/enroll", json=body | {"journal_id": str(uuid.uuid4()), "enroll_key": uuid.uuid4().hex}, timeout=10)
    assert again.status_code == 403 and error_of(again)["code"] == "enroll-code-invalid" and "already used" in error_of(again)["message"]
    unknown = requests.post(central.url + "/v1/enroll", json=body | {"enroll_code": "AAAA-BBBB-CCCC"}, timeout=10)
    assert unknown.status_code == 403 and "unknown" in error_of(unknown)["message"]
    bad = requests.post(central.url + "/v1/enroll", json={"enroll_code": 12345678, "device_id": "x"}, timeout=10)
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid"


def test_admin_views_need_the_token(central: Central) -> None:
    assert requests.get(central.url + "/admin/devices", timeout=10).status_code == 401
    wrong = requests.get(central.url + "/admin/devices", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "unsigned"


def test_connection_reset_mid_body_stores_nothing_and_is_logged(kiosk: Kiosk, central: Central) -> None:
    import socket
    from urllib.parse import urlparse

    bid, body = kiosk.batch_body(kiosk.append(1500))
    hdrs = {**batch_headers(bid), **sign_request(kiosk.device_id, kiosk.secret, "POST", PATH_BATCHES, body)}
    url = urlparse(central.url)
    head = f"POST {PATH_BATCHES} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.encode() + body[: len(body) // 2])
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # (not yet authenticated when the body broke off: logged apart, under the claimed id)
        logged = [r for r in central.admin_get("/admin/refused") if r["claimed_device"] == kiosk.device_id and r["endpoint"] == "batches"]
        if logged:
            break
        time.sleep(0.1)
    assert logged and logged[0]["status"] == 400 and "disconnected" in logged[0]["message"], logged
    assert central.records_count(kiosk.device_id) == 0
    assert kiosk.send(_all_records(kiosk)[:1000]).status_code == 200  # the server keeps serving
