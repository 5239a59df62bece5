"""Property-based run of the server's own OpenAPI document (schemathesis) against the real server,
on both backends: no answer may be a 5xx, and every refusal carries the protocol's error body.

Device endpoints are signed with a real enrolled device (so the generated bodies reach the
parsers), admin endpoints get the real admin token (so their query parameters are exercised).
Bounded in time: EXAMPLES cases per operation and mode.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from sync.protocol import sign_request
from tests.server.central import Central, Kiosk

EXAMPLES = 12  # per operation and generation mode: about 250 cases per backend, kept under ~30 s
DEVICE_PATHS = ("/v1/batches", "/v1/bundle", "/v1/code-check", "/v1/reports")


def _send(central: Central, kiosk: Kiosk, case: Any) -> requests.Response:
    kw = case.as_transport_kwargs(base_url=central.url)
    headers = {k: v for k, v in kw.get("headers", {}).items() if k.lower() not in ("authorization",)}
    body = b""
    if "json" in kw:
        payload = kw["json"]
        if case.path == "/v1/batches" and isinstance(payload, dict) and "device_id" in payload:
            payload = payload | {"device_id": kiosk.device_id}  # past the signer check, into the parser
        body = json.dumps(payload).encode("utf-8", "surrogatepass")
        headers["Content-Type"] = "application/json"
    elif kw.get("data") is not None:
        body = kw["data"] if isinstance(kw["data"], bytes) else str(kw["data"]).encode("utf-8", "surrogatepass")
    if case.path.startswith("/admin/"):
        headers["Authorization"] = f"Bearer {central.admin_token()}"
    if case.path in DEVICE_PATHS:
        query = requests.Request(kw["method"], kw["url"], params=kw.get("params")).prepare().path_url
        headers.update(sign_request(kiosk.device_id, kiosk.secret, kw["method"], query, body))
    return requests.request(kw["method"], kw["url"], params=kw.get("params"), data=body, headers=headers, timeout=30)


def test_schemathesis_finds_no_server_error(central: Central, kiosk: Kiosk) -> None:
    schema = schemathesis.openapi.from_dict(central.admin_get("/admin/openapi.json"))
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10
    seen: dict[str, int] = {}
    started = time.monotonic()
    for op in operations:
        has_input = bool(op.query or op.headers or op.body or op.path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_input else (GenerationMode.POSITIVE,):

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=op.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                resp = _send(central, kiosk, case)
                seen[f"{resp.status_code}"] = seen.get(f"{resp.status_code}", 0) + 1
                assert resp.status_code < 500, f"{case.method} {case.path}: {resp.status_code} {resp.text[:500]}"
                if resp.status_code >= 400:
                    err = resp.json()
                    assert set(err) == {"error"} and err["error"]["code"] and err["error"]["message"], resp.text[:500]

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
                assert mode == GenerationMode.NEGATIVE
            except Exception as exc:  # name the operation in the failure
                raise AssertionError(f"{op.method.upper()} {op.path} ({mode}): {exc}") from exc
    total = sum(seen.values())
    print(f"\nschemathesis: {total} cases on {len(operations)} operations in {time.monotonic() - started:.1f} s; statuses {sorted(seen.items())}")
    assert total >= len(operations) * 2 * 5
    assert not any(s.startswith("5") for s in seen)

