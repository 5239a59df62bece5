"""Load shedding: past KIOSK_CENTRAL_MAX_INFLIGHT device requests a worker answers 503 with a
Retry-After at once; kiosks (the real sync client) wait at least that long, and every record still
arrives exactly once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

from sync.protocol import PATH_BATCHES, encode_batch, sign_request
from sync.server.db import make_engine
from tests.server.central import batch_headers, start_central
from tests.sync.conftest import KioskUnderTest, Server, assert_exactly_once_and_chained, make_kiosk


@pytest.fixture
def busy_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("KIOSK_CENTRAL_MAX_INFLIGHT", "1")  # one device request at a time per worker
    data_dir = tmp_path / "central"
    central = start_central(data_dir, f"sqlite:///{data_dir / 'central.db'}")
    engine = make_engine(central.db_url)
    yield Server(central, engine, "sqlite")
    engine.dispose()
    central.stop()


def test_a_busy_server_sheds_with_retry_after_and_kiosks_lose_nothing(busy_server: Server, tmp_path: Path) -> None:
    kiosks = [make_kiosk(busy_server, tmp_path / f"k{i}") for i in range(8)]
    try:
        # A burst of raw uploads at once: some are shed, with a clear error and a Retry-After; none stored twice.
        k0 = kiosks[0]
        k0.fill(1)
        rec = k0.store.db.execute("select uuid, seq, kind, created_at, body, prev_hash, hash from journal").fetchone()
        record = dict(zip(("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash"), rec, strict=True))
        answers: list[requests.Response] = []

        def send() -> None:
            bid = str(uuid.uuid4())
            body = encode_batch(k0.creds.device_id, bid, [record])
            hdrs = {**batch_headers(bid), **sign_request(k0.creds.device_id, k0.creds.device_secret, "POST", PATH_BATCHES, body)}
            answers.append(requests.post(busy_server.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=30))

        burst = [threading.Thread(target=send) for _ in range(24)]
        for t in burst:
            t.start()
        for t in burst:
            t.join(60)
        shed = [r for r in answers if r.status_code == 503]
        assert shed, [r.status_code for r in answers]
        assert {r.status_code for r in answers} <= {200, 503}
        for r in shed:
            assert 3 <= int(r.headers["Retry-After"]) <= 10
            assert r.json()["error"]["code"] == "unavailable" and "retry after" in r.json()["error"]["message"]
        assert sum(r.json()["stored"] for r in answers if r.status_code == 200) == 1

        # The real sync client on eight kiosks at once: shed attempts wait out Retry-After, then everything arrives.
        for k in kiosks:
            k.fill(40)

        def drain(k: KioskUnderTest, left: list[int]) -> None:
            left.append(k.uploader().drain(max_wait_s=60))

        left: list[int] = []
        threads = [threading.Thread(target=drain, args=(k, left)) for k in kiosks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert left == [0] * len(kiosks)
        waited = []
        for k in kiosks:
            assert_exactly_once_and_chained(busy_server, k)
            log = k.store.db.execute("select at, duration_ms, http_status from sync_log where direction = 'upload' order by id").fetchall()
            for (at, ms, status), (next_at, _, _) in zip(log, log[1:], strict=False):
                if status == 503:  # the next attempt came no sooner than the smallest Retry-After the server gives
                    gap = (datetime.fromisoformat(next_at) - datetime.fromisoformat(at)).total_seconds() - ms / 1000
                    waited.append(gap)
        assert waited and min(waited) >= 2.9, waited
    finally:
        for k in kiosks:
            k.proxy.close()
            k.store.close()
