"""Rate limits per source address and per device, counted in the database all server processes share.

Two server processes on one database (each its own uvicorn) stand for several workers: a count
split between them must still reach the limit. Source addresses are set with X-Forwarded-For,
which uvicorn honours from 127.0.0.1 (the reverse proxy's address in production).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.protocol import PATH_BUNDLE, PATH_CODE_CHECK, PATH_TIME, new_device_secret, sign_request
from tests.server.central import (
    Central,
    Kiosk,
    create_pg_database,
    drop_pg_database,
    error_of,
    new_store,
    start_central,
)

LIMITS = {"KIOSK_CENTRAL_RATE_ANON_PER_MINUTE": "8", "KIOSK_CENTRAL_RATE_DEVICE_PER_MINUTE": "6",
          "KIOSK_CENTRAL_RATE_CODE_CHECK_PER_MINUTE": "3"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Central, Central]]:
    data_dir = tmp_path_factory.mktemp(f"limits-{request.param}")
    # a database of its own: the session's PostgreSQL database holds roster rows sealed with another data key
    url = f"sqlite:///{data_dir / 'central.db'}" if request.param == "sqlite" else create_pg_database()
    first = start_central(data_dir, url, env=LIMITS)
    second = start_central(data_dir, url, env=LIMITS)
    yield first, second
    first.stop()
    second.stop()
    if request.param == "postgresql":
        drop_pg_database(url)


def _from(addr: str) -> dict[str, str]:
    return {"X-Forwarded-For": addr}


def _addr() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def _enrolled(central: Central, tmp_path: Path) -> Kiosk:
    return central.enrol(new_store(tmp_path))  # (enrolment spends 127.0.0.1's anonymous budget: 1 of 8)


def test_unauthenticated_requests_are_limited_per_address_across_processes(pair: tuple[Central, Central]) -> None:
    a, b = pair
    addr, other = _addr(), _addr()
    answers = [requests.get((a if i % 2 else b).url + PATH_TIME, headers=_from(addr), timeout=10).status_code for i in range(8)]
    assert answers == [200] * 8
    refused = requests.get(a.url + PATH_TIME, headers=_from(addr), timeout=10)
    assert refused.status_code == 429 and error_of(refused)["code"] == "rate-limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and "8 a minute" in error_of(refused)["message"]
    assert requests.get(b.url + PATH_TIME, headers=_from(addr), timeout=10).status_code == 429  # the other process agrees
    assert requests.get(b.url + PATH_TIME, headers=_from(other), timeout=10).status_code == 200  # another address is not affected
    logged = a.admin_get("/admin/refused", source=addr)
    assert logged and logged[0]["status"] == 429 and logged[0]["error_code"] == "rate-limited"


def test_failed_signatures_and_admin_tokens_spend_the_address_budget(pair: tuple[Central, Central], tmp_path: Path) -> None:
    a, b = pair
    k = _enrolled(a, tmp_path)
    addr = _addr()
    for i in range(4):
        bad = sign_request(k.device_id, new_device_secret(), "GET", PATH_BUNDLE, b"") | _from(addr)
        assert requests.get((a if i % 2 else b).url + PATH_BUNDLE, headers=bad, timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer guess"} | _from(addr)
        assert requests.get(a.url + "/admin/devices", headers=wrong, timeout=10).status_code == 401
    bad = sign_request(k.device_id, new_device_secret(), "GET", PATH_BUNDLE, b"") | _from(addr)
    refused = requests.get(a.url + PATH_BUNDLE, headers=bad, timeout=10)
    assert refused.status_code == 429 and "Retry-After" in refused.headers  # no more guesses from there this minute
    # ...while the real device's budget was not touched by the claims made in its name
    assert k.get(PATH_BUNDLE).status_code == 200
    assert all(r["status"] == 200 for r in a.admin_get("/admin/sync-log", device=k.device_id) if r["endpoint"] == "bundle")


def test_signed_requests_are_limited_per_device_across_processes(pair: tuple[Central, Central], tmp_path: Path) -> None:
    a, b = pair
    k, other = _enrolled(a, tmp_path), _enrolled(b, tmp_path)
    for i in range(6):
        hdrs = sign_request(k.device_id, k.secret, "GET", PATH_BUNDLE, b"")
        assert requests.get((a if i % 2 else b).url + PATH_BUNDLE, headers=hdrs, timeout=10).status_code == 200
    refused = k.get(PATH_BUNDLE)
    assert refused.status_code == 429 and error_of(refused)["details"]["scope"] == "device"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other.get(PATH_BUNDLE).status_code == 200  # per device, not global
    assert a.admin_get("/admin/sync-log", device=k.device_id)[0]["status"] == 429


def test_code_checks_have_their_own_lower_limit(pair: tuple[Central, Central], tmp_path: Path) -> None:
    a, _ = pair
    k = _enrolled(a, tmp_path)

    def check() -> requests.Response:
        body = json.dumps({"request_id": str(uuid.uuid4()), "id_number": "11010519491231002X"}).encode()
        return k.post(PATH_CODE_CHECK, body, headers={"Content-Type": "application/json"})

    assert [check().status_code for _ in range(3)] == [200, 200, 200]
    refused = check()
    assert refused.status_code == 429 and error_of(refused)["details"]["scope"] == "code-check"
    assert k.get(PATH_BUNDLE).status_code == 200  # the device's other calls go on


def test_the_kiosk_backs_off_for_retry_after(pair: tuple[Central, Central], tmp_path: Path) -> None:
    """The answer the kiosk's classifier reads: transient, with the server's own wait."""
    from sync.common.backoff import Backoff, parse_retry_after
    from sync.protocol.classify import Verdict, classify

    a, _ = pair
    addr = _addr()
    for _ in range(8):
        requests.get(a.url + PATH_TIME, headers=_from(addr), timeout=10)
    refused = requests.get(a.url + PATH_TIME, headers=_from(addr), timeout=10)
    assert refused.status_code == 429
    assert classify(refused.status_code, error_of(refused)["code"]) == Verdict.RETRY
    wait = parse_retry_after(refused.headers["Retry-After"])
    assert wait is not None and 1 <= wait <= 60
    assert Backoff(base_s=0.1, cap_s=0.2).delay(1, wait, rng=lambda: 0.0) == wait


def test_windows_end(pair: tuple[Central, Central]) -> None:
    """A full window frees itself when it ends (fixed windows of one minute, counted from the first hit)."""
    from sqlalchemy import update

    from sync.server.db import make_engine
    from sync.server.devices.tables import rate_counters

    a, _ = pair
    addr = _addr()
    for _ in range(9):
        last = requests.get(a.url + PATH_TIME, headers=_from(addr), timeout=10)
    assert last.status_code == 429
    engine = make_engine(a.db_url)
    with engine.begin() as conn:  # let the minute pass without waiting for it
        conn.execute(update(rate_counters).where(rate_counters.c.key.contains(addr)).values(expires_at=time.time() - 1))
    engine.dispose()
    assert requests.get(a.url + PATH_TIME, headers=_from(addr), timeout=10).status_code == 200
