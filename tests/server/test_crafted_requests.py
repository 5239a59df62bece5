"""Crafted requests that once made the server answer 500 with a traceback (issue 10).

Each must get a clear 4xx with the protocol's error body, leave no traceback in the server log and
store nothing, on SQLite and on PostgreSQL (the `central` fixture runs both).
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from sync.protocol import (
    PATH_BATCHES,
    PATH_BUNDLE,
    PATH_CODE_CHECK,
    PATH_ENROLL,
    PATH_REPORTS,
    encode_batch,
    sign_request,
)
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash
from tests.server.central import Central, Kiosk, batch_headers, error_of

Case = Callable[[Kiosk], requests.Response]
DEEP = 100_000  # far past Python's recursion limit, still under the 256 KiB JSON body limit


def _enrol_raw(k: Kiosk, raw: bytes) -> requests.Response:
    return requests.post(k.central.url + PATH_ENROLL, data=raw, headers={"Content-Type": "application/json"}, timeout=30)


def _enrol_body(k: Kiosk, **over: Any) -> bytes:
    body = {"protocol": 1, "enroll_code": k.central.enrol_code(), "device_id": f"crafted-{uuid.uuid4()}"} | over
    return json.dumps(body).encode()


def _record(k: Kiosk, seq: int, body: str = '{"outcome":"pass"}', prev: str = GENESIS_HASH) -> dict[str, Any]:
    rid, at = str(uuid.uuid4()), "2026-11-28T07:00:00+00:00"
    return {"uuid": rid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": prev,
            "hash": record_hash(k.journal_id, seq, rid, "gate_entry", at, body, prev)}


def _batch(k: Kiosk, raw_json: bytes) -> requests.Response:
    named = re.search(rb'"batch_id": "([0-9a-f-]{36})"', raw_json)  # the Idempotency-Key must match the envelope
    bid = named.group(1).decode() if named else str(uuid.uuid4())
    return k.post(PATH_BATCHES, gzip.compress(raw_json), headers=batch_headers(bid))


def _envelope(k: Kiosk, records: Any, **over: Any) -> bytes:
    env = {"protocol": 1, "device_id": k.device_id, "batch_id": str(uuid.uuid4()), "sent_at": "2026-11-28T07:00:00+00:00", "records": records}
    return json.dumps(env | over).encode()


def _signed_json(k: Kiosk, path: str, raw: bytes) -> requests.Response:
    return k.post(path, raw, headers={"Content-Type": "application/json"})


def _report(**over: Any) -> dict[str, Any]:
    return {"report_id": str(uuid.uuid4()), "date": "2026-11-28", "kind": "daily", "body": {"visitors": 3}} | over


# ---- enrolment (unsigned) -----------------------------------------------------------------------

def enrol_deeply_nested(k: Kiosk) -> requests.Response:
    return _enrol_raw(k, b'{"protocol": 1, "enroll_code": ' + b"[" * DEEP + b"]" * DEEP + b"}")


def enrol_nul_in_label(k: Kiosk) -> requests.Response:
    return _enrol_raw(k, _enrol_body(k, label="gate\x00one"))


def enrol_nul_in_key(k: Kiosk) -> requests.Response:
    return _enrol_raw(k, _enrol_body(k, **{"lab\x00el": "gate"}))


def enrol_lone_surrogate(k: Kiosk) -> requests.Response:
    return _enrol_raw(k, _enrol_body(k).replace(b'"protocol"', b'"label": "\\ud800", "protocol"'))


def enrol_anchor_seq_2_63(k: Kiosk) -> requests.Response:
    return _enrol_raw(k, _enrol_body(k, anchor_seq=2**63))


# ---- admin views -----------------------------------------------------------------------------------

def admin_non_ascii_authorization(k: Kiosk) -> requests.Response:
    return requests.get(k.central.url + "/admin/devices", headers={"Authorization": "Bearer caf\xe9"}, timeout=10)


def admin_sync_log_nul_device(k: Kiosk) -> requests.Response:
    return requests.get(k.central.url + "/admin/sync-log", params={"device": "a\x00b"},
                        headers={"Authorization": f"Bearer {k.central.admin_token()}"}, timeout=10)


def admin_record_count_nul_device(k: Kiosk) -> requests.Response:
    return requests.get(k.central.url + "/admin/records/count", params={"device": "\x00"},
                        headers={"Authorization": f"Bearer {k.central.admin_token()}"}, timeout=10)


# ---- signed device requests ---------------------------------------------------------------------

def timestamp_superscript_digit(k: Kiosk) -> requests.Response:
    hdrs = sign_request(k.device_id, k.secret, "GET", PATH_BUNDLE, b"") | {"X-Kiosk-Timestamp": "\xb2"}
    return requests.get(k.central.url + PATH_BUNDLE, headers=hdrs, timeout=10)


def batch_seq_2_63(k: Kiosk) -> requests.Response:
    return _batch(k, _envelope(k, [_record(k, 2**63)]))


def batch_seq_2_64(k: Kiosk) -> requests.Response:
    return _batch(k, _envelope(k, [_record(k, 2**64 + 1)]))


def batch_device_last_seq_huge(k: Kiosk) -> requests.Response:
    bid = str(uuid.uuid4())
    body = encode_batch(k.device_id, bid, k.append(1), device_last_seq=2**70)
    return k.post(PATH_BATCHES, body, headers=batch_headers(bid))


def batch_deeply_nested(k: Kiosk) -> requests.Response:
    return _batch(k, b'{"protocol": 1, "records": ' + b"[" * DEEP + b"]" * DEEP + b"}")


def batch_record_body_deeply_nested(k: Kiosk) -> requests.Response:
    return _batch(k, _envelope(k, [_record(k, 1, body='{"a":' + "[" * DEEP + "]" * DEEP + "}")]))


def batch_nul_in_key(k: Kiosk) -> requests.Response:
    return _batch(k, _envelope(k, k.append(1), **{"\x00": 1}))


def batch_nul_in_record_key(k: Kiosk) -> requests.Response:
    rec = k.append(1)[0] | {"no\x00te": "x"}
    return _batch(k, _envelope(k, [rec]))


def batch_nul_in_batch_id(k: Kiosk) -> requests.Response:
    return _batch(k, _envelope(k, k.append(1), batch_id="\x00" * 36))


def code_check_nul(k: Kiosk) -> requests.Response:
    return _signed_json(k, PATH_CODE_CHECK, json.dumps({"request_id": str(uuid.uuid4()), "qr_text": "https://x/hc/\x00"}).encode())


def code_check_lone_surrogate(k: Kiosk) -> requests.Response:
    return _signed_json(k, PATH_CODE_CHECK, b'{"request_id": "%s", "qr_text": "\\udc80abc"}' % str(uuid.uuid4()).encode())


def report_deeply_nested(k: Kiosk) -> requests.Response:
    return _signed_json(k, PATH_REPORTS, b'{"report_id": "%s", "date": "2026-11-28", "kind": "daily", "body": {"a": %s}}'
                        % (str(uuid.uuid4()).encode(), b"[" * DEEP + b"]" * DEEP))


def report_nul_in_key(k: Kiosk) -> requests.Response:
    return _signed_json(k, PATH_REPORTS, json.dumps(_report(**{"\x00": 1})).encode())


def report_nul_in_body(k: Kiosk) -> requests.Response:
    return _signed_json(k, PATH_REPORTS, json.dumps(_report(body={"vis\x00itors": "a\x00b"})).encode())


def unknown_path(k: Kiosk) -> requests.Response:
    return requests.get(k.central.url + "/v1/nothing-here", timeout=10)


def wrong_method(k: Kiosk) -> requests.Response:
    return requests.get(k.central.url + PATH_ENROLL, timeout=10)


CASES: list[tuple[Case, int, str]] = [
    (enrol_deeply_nested, 400, "malformed"),
    (enrol_nul_in_label, 422, "invalid"),
    (enrol_nul_in_key, 422, "invalid"),
    (enrol_lone_surrogate, 422, "invalid"),
    (enrol_anchor_seq_2_63, 422, "invalid"),
    (admin_non_ascii_authorization, 401, "unsigned"),
    (admin_sync_log_nul_device, 422, "invalid"),
    (admin_record_count_nul_device, 422, "invalid"),
    (timestamp_superscript_digit, 401, "unsigned"),
    (batch_seq_2_63, 400, "malformed"),
    (batch_seq_2_64, 400, "malformed"),
    (batch_device_last_seq_huge, 400, "malformed"),
    (batch_deeply_nested, 422, "invalid"),
    (batch_record_body_deeply_nested, 422, "invalid"),
    (batch_nul_in_key, 422, "invalid"),
    (batch_nul_in_record_key, 422, "invalid"),
    (batch_nul_in_batch_id, 422, "invalid"),
    (code_check_nul, 422, "invalid"),
    (code_check_lone_surrogate, 422, "invalid"),
    (report_deeply_nested, 400, "malformed"),
    (report_nul_in_key, 422, "invalid"),
    (report_nul_in_body, 422, "invalid"),
    (unknown_path, 404, "not-found"),
    (wrong_method, 405, "method-not-allowed"),
]


def _stored(central: Central, k: Kiosk) -> tuple[int, int, int]:
    devices = central.admin_get("/admin/devices")
    return central.records_count(k.device_id), len(devices), len(central.admin_get("/admin/reports"))


@pytest.mark.parametrize(("case", "status", "code"), CASES, ids=[c[0].__name__ for c in CASES])
def test_crafted_request_gets_a_clear_4xx_and_stores_nothing(kiosk: Kiosk, central: Central, case: Case, status: int, code: str) -> None:
    before, log_at = _stored(central, kiosk), central.log_path.stat().st_size
    resp = case(kiosk)
    assert resp.status_code == status, resp.text[:2000]
    err = error_of(resp)
    assert err["code"] == code and len(err["message"]) > 10, err
    assert "Traceback" not in resp.text
    with open(central.log_path, "rb") as fh:
        fh.seek(log_at)
        assert b"Traceback" not in fh.read()
    assert _stored(central, kiosk) == before
    again = kiosk.send(kiosk.append(1))  # the server keeps serving this kiosk
    assert again.status_code == 200, again.text


def test_nul_in_a_record_body_is_kept_escaped_and_accepted(kiosk: Kiosk, central: Central) -> None:
    """A record body is JSON *text*: an escaped NUL inside it is data, not a NUL in the text, and must round-trip."""
    body = canonical_json({"reason": "a\x00b"})
    assert "\x00" not in body
    resp = _batch(kiosk, _envelope(kiosk, [_record(kiosk, 1, body=body)]))
    assert resp.status_code == 200, resp.text
    assert central.records_count(kiosk.device_id) == 1
