"""Admin commands while another process (a real `kiosk sync`) holds the writer: status and the
sync log read the database read-only; retry-failed is handed to the running process over its
control socket (0600, in the data folder)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from kiosk.store.db import open_store
from sync.control import ControlError, ControlServer, send, socket_path
from sync.outbox import Outbox
from tests.sync.conftest import FAST, Server, make_kiosk

KIOSK = str(Path(sys.executable).parent / "kiosk")


def _kiosk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KIOSK, *args], env=env, capture_output=True, text=True, timeout=60)


def _wait(what: str, ok: object, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(ok) and ok():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_status_log_and_retry_failed_work_beside_a_running_kiosk_sync(sqlite_server: Server, tmp_path: Path) -> None:
    k = make_kiosk(sqlite_server, tmp_path)
    k.fill(3)
    box = Outbox(k.store)
    batch = box.claim(10, 10**6)
    assert batch is not None
    box.park(batch, "HTTP 422 invalid: records.0.kind")  # three records wait for the admin
    k.store.close()
    k.proxy.close()
    env = {**os.environ, **FAST, "KIOSK_STORE_DATA_DIR": str(k.cfg.data_dir), "KIOSK_SYNC_SERVER_URL": sqlite_server.central.url,
           "KIOSK_SYNC_INTERVAL_S": "120"}
    env.pop("KIOSK_CONFIG", None)
    writer = subprocess.Popen([KIOSK, "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sock = socket_path(k.cfg.data_dir)
    try:
        _wait("the running kiosk's control socket", sock.exists)
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600

        st = _kiosk(env, "sync", "status", "--json")
        assert st.returncode == 0, st.stderr
        assert json.loads(st.stdout)["failed"] == 3
        text = _kiosk(env, "sync", "status")
        assert text.returncode == 0 and "3 record(s) parked" in text.stdout, text.stderr
        log = _kiosk(env, "sync-log")
        assert log.returncode == 0 and "pull" in log.stdout, log.stderr

        again = _kiosk(env, "sync", "retry-failed")
        assert again.returncode == 0, again.stderr
        assert f"3 parked record(s) queued again by the running kiosk (pid {writer.pid})" in again.stdout

        def all_sent() -> bool:
            st = json.loads(_kiosk(env, "sync", "status", "--json").stdout)
            return bool(st["failed"] == 0 and st["pending"] == 0 and st["sent"] >= 3)

        _wait("the requeued records to reach the server", all_sent, 30)
        assert sqlite_server.rows(k.creds.device_id)[:3] and len(sqlite_server.rows(k.creds.device_id)) >= 3
        assert writer.poll() is None, "the running kiosk is still running"
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(20)
    assert not sock.exists(), "the control socket goes away with its process"


def test_retry_failed_says_why_when_the_running_process_has_no_control_channel(tmp_path: Path) -> None:
    data = tmp_path / "kiosk"
    env = {**os.environ, "KIOSK_STORE_DATA_DIR": str(data)}
    env.pop("KIOSK_CONFIG", None)
    holder = open_store(data / "kiosk.db")  # this test process holds the writer, with no listener
    try:
        proc = _kiosk(env, "sync", "retry-failed")
        assert proc.returncode == 1
        assert "already using" in proc.stderr and "does not accept commands" in proc.stderr
        assert _kiosk(env, "sync", "status").returncode == 0  # reading still works
    finally:
        holder.close()


def test_control_server_answers_known_commands_and_refuses_others(tmp_path: Path) -> None:
    calls: list[str] = []
    server = ControlServer(socket_path(tmp_path), {"retry-failed": lambda: calls.append("x") or {"requeued": 7}})
    server.start()
    try:
        assert send(tmp_path, "retry-failed")["requeued"] == 7 and calls == ["x"]
        try:
            send(tmp_path, "drop-everything")
        except ControlError as exc:
            assert "unknown command 'drop-everything'" in str(exc)
        else:
            raise AssertionError("an unknown command must be refused")
    finally:
        server.stop()
    try:
        send(tmp_path, "retry-failed")
    except ControlError as exc:
        assert "does not accept commands" in str(exc)
    else:
        raise AssertionError("no listener, no answer")


def test_readers_never_create_a_database(tmp_path: Path) -> None:
    env = {**os.environ, "KIOSK_STORE_DATA_DIR": str(tmp_path / "nowhere")}
    env.pop("KIOSK_CONFIG", None)
    for args in (("sync", "status"), ("sync-log",)):
        proc = _kiosk(env, *args)
        assert proc.returncode == 1 and "no kiosk database" in proc.stderr
    assert not (tmp_path / "nowhere" / "kiosk.db").exists()
