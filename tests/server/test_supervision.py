"""`serve --workers 2`: killing the parent (SIGTERM or SIGKILL) takes its workers down, and a
restart on the same port works."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.server.central import create_pg_database, drop_pg_database, free_port, start_central


def _children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _serving(url: str) -> bool:
    try:
        return requests.get(url + "/v1/time", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_serve_takes_its_workers_down_and_the_port_is_free_again(tmp_path: Path, sig: signal.Signals) -> None:
    pg = create_pg_database()
    port = free_port()
    central = start_central(tmp_path / "central", pg, workers=2, port=port)
    workers: list[int] = []
    try:
        workers = _children(central.proc.pid)
        assert len(workers) >= 2, "uvicorn started its worker processes"
        central.proc.send_signal(sig)  # the parent only, not its process group
        central.proc.wait(15)
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "no worker outlives the serve process"
        assert not _serving(central.url)
        again = start_central(tmp_path / "central", pg, workers=2, port=port)  # same port
        try:
            assert _serving(again.url)
        finally:
            again.stop()
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        central.stop()
        drop_pg_database(pg)
