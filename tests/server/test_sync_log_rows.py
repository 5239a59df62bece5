"""Every request to a kiosk endpoint leaves exactly one row: in the device's sync log once it is
authenticated (a batch's row committed with the batch, never twice), among the refused requests
when it is not; the clock leaves none."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests

from sync.protocol import PATH_BATCHES, PATH_BUNDLE, PATH_TIME
from tests.server.central import Central, Kiosk, batch_headers


def _log(central: Central, device_id: str) -> list[dict[str, Any]]:
    return list(reversed(central.admin_get("/admin/sync-log", device=device_id, limit=10_000)))  # oldest first


def test_each_request_leaves_one_row_where_it_belongs(kiosk: Kiosk, central: Central) -> None:
    before = _log(central, kiosk.device_id)
    assert [(r["endpoint"], r["status"]) for r in before] == [("enroll", 200)]
    refused_before = len(central.admin_get("/admin/refused", limit=10_000))

    recs = kiosk.append(3)
    assert kiosk.send(recs).status_code == 200
    first = kiosk.get(PATH_BUNDLE)
    assert first.status_code == 200
    assert kiosk.get(PATH_BUNDLE, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    batch_id, body = kiosk.batch_body(kiosk.append(2))
    assert kiosk.post(PATH_BATCHES, body, headers=batch_headers(batch_id), secret="0" * 64).status_code == 401
    assert requests.get(central.url + PATH_TIME, timeout=10).status_code == 200

    rows = _log(central, kiosk.device_id)[len(before):]
    assert [(r["endpoint"], r["status"], r["records"], r["stored"], r["error_code"]) for r in rows] == [
        ("batches", 200, 3, 3, None), ("bundle", 200, len(json.loads(first.json()["payload"])["roster"]), 0, None), ("bundle", 304, 0, 0, None)]
    assert rows[0]["bytes"] > 0 and rows[0]["batch_id"]
    refused = central.admin_get("/admin/refused", limit=10_000)
    assert len(refused) == refused_before + 1  # the bad signature: a claim, not a row in the device's log
    assert (refused[0]["claimed_device"], refused[0]["endpoint"], refused[0]["status"]) == (kiosk.device_id, "batches", 401)


def test_a_refused_batch_is_logged_once_with_what_was_known(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(2)
    batch_id, body = kiosk.batch_body(recs)
    resp = kiosk.post(PATH_BATCHES, body, headers=batch_headers(batch_id) | {"Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 422
    last = _log(central, kiosk.device_id)[-1]
    assert (last["endpoint"], last["status"], last["error_code"], last["batch_id"], last["records"], last["stored"]) == (
        "batches", 422, "invalid", batch_id, 2, 0)
