"""The fault matrix of issue 6, against the real kiosk-central (SQLite and PostgreSQL).

Each case ends the same way: every record the kiosk committed is on the server exactly
once, the chain verifies there, and the kiosk's outbox says 'sent' for each of them.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from pathlib import Path

from kiosk.store import state
from sync.client import Step
from sync.protocol import DEFAULT_MAX_BATCH_RECORDS
from tests.sync.conftest import KioskUnderTest, Server, assert_exactly_once_and_chained, make_kiosk
from tests.sync.faultproxy import Fault, status


def test_clean_upload_in_batches_with_device_last_seq(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(45)
    up = kiosk.uploader()
    up.start()
    assert up.drain() == 0
    assert [s.records for s in kiosk.proxy.batches()] == [20, 20, 5]
    assert_exactly_once_and_chained(server, kiosk)
    assert kiosk.log_statuses() == [200, 200, 200]
    assert server.device(kiosk.creds.device_id).reported_last_seq == 45
    # nothing new: no request at all
    assert up.step() is Step.IDLE and len(kiosk.proxy.batches()) == 3


def test_500_is_retried_with_the_same_batch(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(30)
    kiosk.proxy.push(status(500), status(502))
    up = kiosk.uploader()
    assert up.drain(max_wait_s=5) == 0
    assert kiosk.log_statuses()[:3] == [500, 502, 200]
    ids = [r[0] for r in kiosk.store.db.execute("select batch_id from sync_log where direction = 'upload' order by id")]
    assert ids[0] == ids[1] == ids[2], "a retried batch keeps its idempotency key"
    assert_exactly_once_and_chained(server, kiosk)


def test_503_with_retry_after_is_honoured(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(10)
    kiosk.proxy.push(status(503, Retry_After="1"))
    up = kiosk.uploader()
    assert up.drain(max_wait_s=5) == 0
    first, second = kiosk.proxy.batches()[:2]
    assert first.fault == "status 503"
    assert second.at - first.at >= 0.95, "Retry-After: 1 must be waited out (backoff cap here is 0.3 s)"
    row = kiosk.store.db.execute("select error from sync_log where http_status = 503").fetchone()
    assert "503" in row[0]
    assert_exactly_once_and_chained(server, kiosk)


def test_429_is_retried_after_the_servers_delay(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(5)
    kiosk.proxy.push(status(429, Retry_After="1"), status(429, Retry_After="0"))
    up = kiosk.uploader()
    assert up.drain(max_wait_s=5) == 0
    seen = kiosk.proxy.batches()
    assert [s.fault for s in seen] == ["status 429", "status 429", "pass"]
    assert seen[1].at - seen[0].at >= 0.95
    assert_exactly_once_and_chained(server, kiosk)


def test_413_from_the_network_splits_until_it_fits(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(40)
    kiosk.proxy.rule = Fault("max_records", limit=7)
    up = kiosk.uploader()
    assert up.drain(max_wait_s=5) == 0
    seen = kiosk.proxy.batches()
    assert seen[0].records == 20 and seen[0].fault == "status 413"
    accepted = [s.records or 0 for s in seen if s.fault == "pass"]
    assert sum(accepted) == 40 and max(accepted) <= 7  # later claims stay small after a 413
    assert 413 in kiosk.log_statuses()
    assert_exactly_once_and_chained(server, kiosk)


def test_413_from_the_real_server_splits(server: Server, tmp_path: Path) -> None:
    # The kiosk believes the server takes 100,000 records a batch; it takes far fewer.
    server_limit = DEFAULT_MAX_BATCH_RECORDS
    k = make_kiosk(server, tmp_path, {"KIOSK_SYNC_BATCH_MAX_RECORDS": str(server_limit + 600)})
    try:
        assert k.creds.max_batch_records == server_limit  # what the server said at enrolment
        k.creds = dataclasses.replace(k.creds, max_batch_records=100_000)
        k.fill(server_limit + 600)
        up = k.uploader()
        assert up.drain(max_wait_s=5) == 0
        assert k.log_statuses()[0] == 413
        err = k.store.db.execute("select error from sync_log where http_status = 413").fetchone()[0]
        assert "too-large" in err and str(server_limit) in err
        assert_exactly_once_and_chained(server, k)
    finally:
        k.proxy.close()
        k.store.close()


def test_response_lost_after_the_server_committed(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(25)
    kiosk.proxy.push(Fault("lose_response"))
    up = kiosk.uploader()
    assert up.drain(max_wait_s=5) == 0
    assert kiosk.log_statuses()[0] is None  # no answer reached the kiosk
    assert server.central.admin_get("/admin/records/count", device=kiosk.creds.device_id) == {kiosk.creds.device_id: 25}
    assert_exactly_once_and_chained(server, kiosk)


def test_server_slower_than_the_timeout(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(12)
    kiosk.proxy.push(Fault("slow", delay_s=1.6))  # sync.timeout_s is 1.0 here
    up = kiosk.uploader()
    started = time.monotonic()
    assert up.drain(max_wait_s=5) == 0
    assert time.monotonic() - started < 10  # the kiosk gave up on the slow answer and moved on
    err = kiosk.store.db.execute("select error from sync_log where http_status is null").fetchone()[0]
    assert "timed out" in err
    assert_exactly_once_and_chained(server, kiosk)


def test_connection_reset_mid_body(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(20, pad="x" * 3000)
    kiosk.proxy.push(Fault("reset_mid_body"), Fault("reset_mid_body"))
    up = kiosk.uploader()
    assert up.drain(max_wait_s=5) == 0
    assert kiosk.log_statuses()[:3] == [None, None, 200]
    assert_exactly_once_and_chained(server, kiosk)


def test_kiosk_clock_ten_minutes_off(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(8)
    up = kiosk.uploader(clock=lambda: time.time() - 600)
    assert up.drain(max_wait_s=5) == 0
    assert_exactly_once_and_chained(server, kiosk)
    skew = float(state.get(kiosk.store.db, state.SYNC_CLOCK_SKEW)[0])  # type: ignore[index]
    assert 595 < skew < 605
    from kiosk.commands.sync_cmd import collect_status

    st = collect_status(kiosk.cfg, kiosk.store)
    assert st["clock_skew_warning"] is True and st["pending"] == 0 and st["last_error"] is None


def test_other_4xx_parks_the_batch_visibly_until_the_admin_requeues(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(30)
    kiosk.proxy.push(status(422))
    up = kiosk.uploader()
    left = up.drain(max_wait_s=0.3)
    assert kiosk.outbox_states().get("failed") == 20, "the refused batch is parked, never dropped"
    assert left == 0  # the rest went, and the server acknowledged them past the gap (held_ranges)
    assert kiosk.outbox_states() == {"failed": 20, "sent": 10}
    failed = up.outbox.failed()
    assert failed[0][0] == 1 and "HTTP 422" in (failed[0][3] or "")
    assert up.outbox.requeue_failed() == 20
    assert up.drain(max_wait_s=5) == 0
    assert_exactly_once_and_chained(server, kiosk)


def test_wrong_credentials_hold_the_upload_without_parking(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(5)
    good = kiosk.creds
    kiosk.creds = dataclasses.replace(good, device_secret="A" * 43)
    up = kiosk.uploader()
    assert up.step() is Step.HELD
    assert kiosk.outbox_states() == {"pending": 5}
    last = state.get(kiosk.store.db, state.SYNC_LAST_ERROR)
    assert last and "unauthenticated" in last[0] and "provision" in last[0]  # the server does not say which (its log does)
    kiosk.creds = good
    assert kiosk.uploader().drain(max_wait_s=2) == 0
    assert_exactly_once_and_chained(server, kiosk)


def test_server_sigkilled_mid_batch_and_restarted(own_server: Server, tmp_path: Path) -> None:
    srv = own_server
    pg_url = srv.central.db_url if srv.backend == "postgresql" else None
    k = make_kiosk(srv, tmp_path, {"KIOSK_SYNC_BATCH_MAX_RECORDS": "1000", "KIOSK_SYNC_TIMEOUT_S": "5"})
    port = int(srv.central.url.rsplit(":", 1)[1])
    restarted = threading.Event()

    def kill_and_restart() -> None:
        os.killpg(srv.central.proc.pid, signal.SIGKILL)  # the server and its children, no clean-up
        srv.central.proc.wait(5)

        def restart() -> None:
            from tests.sync.conftest import _start

            srv.central = _start(srv.backend, srv.central.data_dir, pg_url, port=port)
            restarted.set()

        threading.Thread(target=restart, daemon=True).start()

    try:
        k.fill(2500, pad="y" * 200)
        k.proxy.push(Fault("pass"), Fault("kill", hook=kill_and_restart))
        up = k.uploader()
        assert up.drain(max_wait_s=90) == 0
        assert restarted.is_set()
        statuses = k.log_statuses()
        assert statuses[0] == 200 and None in statuses  # the killed attempt got no answer
        assert_exactly_once_and_chained(srv, k)
    finally:
        k.proxy.close()
        k.store.close()


def test_kiosk_killed_mid_upload_resumes_after_restart(server: Server, tmp_path: Path) -> None:
    import subprocess
    import sys

    from kiosk.store.db import open_store

    k = make_kiosk(server, tmp_path, {"KIOSK_SYNC_BATCH_MAX_RECORDS": "100"})
    k.fill(450)
    k.store.close()
    k.proxy.push(Fault("pass"), Fault("pass"), Fault("slow", delay_s=30))  # the third batch hangs
    env = {**os.environ, "KIOSK_STORE_DATA_DIR": str(k.cfg.data_dir), "KIOSK_SYNC_SERVER_URL": k.proxy.url,
           "KIOSK_SYNC_BATCH_MAX_RECORDS": "100", "KIOSK_SYNC_TIMEOUT_S": "60"}
    env.pop("KIOSK_CONFIG", None)
    kiosk_bin = str(Path(sys.executable).parent / "kiosk")
    proc = subprocess.Popen([kiosk_bin, "sync", "--once"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(k.proxy.batches()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(k.proxy.batches()) == 3
        proc.send_signal(signal.SIGKILL)  # the kiosk dies while its third batch is in flight
        proc.wait(10)
        k.store = open_store(k.cfg.db_path)
        assert k.outbox_states() == {"sent": 200, "claimed": 100, "pending": 150 + 1}  # + the bundle record
        k.store.close()
        again = subprocess.run([kiosk_bin, "sync", "--once"], env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr
        k.store = open_store(k.cfg.db_path)
        assert_exactly_once_and_chained(server, k)
    finally:
        if proc.poll() is None:
            proc.kill()
        k.proxy.close()
        k.store.close()


def test_only_the_record_the_server_refuses_is_parked(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(10)
    kiosk.fill(1, kind="Not A Kind")  # seq 11: the server's schema refuses this kind (422)
    kiosk.fill(9)
    up = kiosk.uploader()
    left = up.drain(max_wait_s=0.2)
    states = dict(kiosk.store.db.execute("select seq, state from outbox").fetchall())
    assert [s for s, st in states.items() if st == "failed"] == [11]
    assert all(states[s] == "sent" for s in range(1, 11))
    assert left == 0  # past the refused record: stored on the server and acknowledged by range
    assert all(states[s] == "sent" for s in range(12, 21))
    err = kiosk.store.db.execute("select last_error from outbox where seq = 11").fetchone()[0]
    assert "422" in err and "records.10.kind" in err
    held = {r[0] for r in server.rows(kiosk.creds.device_id)}
    assert held == set(range(1, 21)) - {11}
    dev = server.device(kiosk.creds.device_id)
    assert dev.stored_through_seq == 10 and dev.verified_through_seq == 10 and dev.chain_status == "gap"
