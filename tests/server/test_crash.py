"""The server killed with SIGKILL in the middle of a batch, then restarted on the same database:
the kiosk resends and every record is stored exactly once, with the chain verified."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.server.central import Kiosk, batch_headers, new_store, start_central


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_mid_batch_then_resend_stores_everything_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    db_url = f"sqlite:///{tmp_path / 'central' / 'central.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    central = start_central(tmp_path / "central", db_url, workers=2 if backend == "postgresql" else 1)
    store = new_store(tmp_path)
    try:
        kiosk = central.enrol(store)
        recs = kiosk.append(7000)
        assert kiosk.send(recs[:1000]).status_code == 200
        bodies = [kiosk.batch_body(recs[i : i + 1000]) for i in range(1000, 7000, 1000)]
        outcomes: list[object] = []

        def upload() -> None:
            for bid, body in bodies:
                try:

                    outcomes.append(kiosk.post("/v1/batches", body, headers=batch_headers(bid)).status_code)
                except requests.RequestException as exc:
                    outcomes.append(type(exc).__name__)
                    return

        sender = threading.Thread(target=upload)
        sender.start()
        time.sleep(0.1)  # somewhere inside the first few of six batches
        os.killpg(central.proc.pid, signal.SIGKILL)  # the server and its workers, no goodbye
        central.proc.wait(10)
        sender.join(30)
        assert any(not isinstance(o, int) for o in outcomes), f"the kill landed after all batches: {outcomes}"

        port = int(central.url.rsplit(":", 1)[1])
        central = start_central(tmp_path / "central", db_url, workers=2 if backend == "postgresql" else 1, port=port)
        kiosk = Kiosk(central, store, kiosk.device_id, kiosk.secret, kiosk.enrolment)
        for bid, body in bodies:  # the kiosk resends what it has not seen acknowledged, same batch ids

            resp = kiosk.post("/v1/batches", body, headers=batch_headers(bid))
            assert resp.status_code == 200, resp.text
        ack = resp.json()
        assert ack["acked_through_seq"] == 7000 and ack["chain"]["status"] == "ok" and ack["chain"]["verified_through_seq"] == 7000
        assert central.records_count(kiosk.device_id) == 7000
    finally:
        central.stop()
        store.close()
