"""`kiosk service install|uninstall`: units checked by systemd's own `systemd-analyze verify`
(works without systemd running), and the notify protocol against a real datagram socket."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.ops.sdnotify import Watchdog, notify
from kiosk.ops.units import CENTRAL, MARKER, SCREEN, SYNC

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def verify(*paths: Path) -> list[str]:
    """systemd's verdict on our unit files: every complaint that names one of them (rc != 0 or a warning)."""
    assert SYSTEMD_ANALYZE, "systemd-analyze is missing: install the Debian package systemd (Makefile SYS_PKGS)"
    proc = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", *map(str, paths)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
    names = [p.name for p in paths] + [str(p) for p in paths]
    complaints = [line for line in (proc.stdout + proc.stderr).splitlines() if any(n in line for n in names)]
    if proc.returncode != 0 and not complaints:
        complaints = [f"exit {proc.returncode}: {proc.stderr.strip()}"]
    return complaints


def test_screen_unit_verifies_and_looks_after_itself(tmp_path: Path) -> None:
    code, out, _ = run("service", "install", "--user", "root", "--unit-dir", str(tmp_path))
    assert code == 0 and "systemctl daemon-reload" in out
    unit = tmp_path / SCREEN
    assert sorted(p.name for p in tmp_path.iterdir()) == [SCREEN]
    assert verify(unit) == []
    text = unit.read_text()
    for line in ("Type=notify", "WatchdogSec=30", "Restart=on-failure", "User=root", "StandardOutput=journal",
                 "After=network-online.target time-sync.target", "Wants=network-online.target time-sync.target",
                 "Environment=DISPLAY=:0", "WantedBy=graphical.target"):
        assert line in text.splitlines(), line
    exec_start = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    assert exec_start.endswith("/kiosk run") and os.access(exec_start.split("=", 1)[1].split()[0], os.X_OK)


def test_headless_gate_and_central_server_units(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("")
    code, _, _ = run("--config", str(config), "service", "install", "--user", "root", "--headless", "--central",
                     "--central-args", "--db sqlite:////var/lib/kiosk-central/central.db", "--unit-dir", str(tmp_path / "u"))
    assert code == 0
    units = tmp_path / "u"
    assert sorted(p.name for p in units.iterdir()) == sorted([SYNC, CENTRAL])
    assert verify(units / SYNC, units / CENTRAL) == []
    sync = (units / SYNC).read_text()
    assert f"Environment=KIOSK_CONFIG={config}" in sync and "ExecStart=" in sync and sync.rstrip().endswith("WantedBy=multi-user.target")
    assert "WatchdogSec" not in sync  # the worker does not ping: restart on failure only
    central = (units / CENTRAL).read_text()
    assert "serve --db sqlite:////var/lib/kiosk-central/central.db" in central and "KIOSK_CONFIG" not in central


def test_the_verifier_bites(tmp_path: Path) -> None:
    run("service", "install", "--user", "root", "--unit-dir", str(tmp_path))
    unit = tmp_path / SCREEN
    unit.write_text(unit.read_text().replace("WatchdogSec=30", "WatchdogSec=half a minute"))
    assert any("WatchdogSec" in c or "sec value" in c for c in verify(unit))


def test_bad_user_and_foreign_files_are_refused(tmp_path: Path) -> None:
    code, _, err = run("service", "install", "--user", "no-such-guard", "--unit-dir", str(tmp_path))
    assert code == 2 and "no user 'no-such-guard'" in err and not any(tmp_path.iterdir())
    code, _, err = run("service", "install", "--user", "root", "--display", ":0\nExecStartPre=/bin/rm", "--unit-dir", str(tmp_path))
    assert code == 2 and "display" in err and not any(tmp_path.iterdir())
    foreign = tmp_path / SCREEN
    foreign.write_text("[Service]\nExecStart=/usr/bin/true\n")
    code, _, err = run("service", "install", "--user", "root", "--unit-dir", str(tmp_path))
    assert code == 2 and "not written by kiosk service install" in err
    assert foreign.read_text() == "[Service]\nExecStart=/usr/bin/true\n"
    code, out, _ = run("service", "uninstall", "--unit-dir", str(tmp_path))
    assert code == 0 and foreign.exists()  # not ours: left alone


def test_uninstall_removes_only_our_units(tmp_path: Path) -> None:
    run("service", "install", "--user", "root", "--headless", "--unit-dir", str(tmp_path))
    other = tmp_path / "ssh.service"
    other.write_text("[Service]\nExecStart=/usr/sbin/sshd\n")
    assert MARKER in (tmp_path / SYNC).read_text()
    code, out, _ = run("service", "uninstall", "--unit-dir", str(tmp_path))
    assert code == 0 and f"removed {tmp_path / SYNC}" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ssh.service"]


# ---- the notify protocol ----------------------------------------------------------------------


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    """What systemd listens on: an AF_UNIX datagram socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(2)
    yield sock
    sock.close()


def test_notify_sends_datagrams(notify_socket: socket.socket) -> None:
    env = {"NOTIFY_SOCKET": notify_socket.getsockname(), "WATCHDOG_USEC": "30000000"}
    wd = Watchdog(env)
    assert wd.interval_s == 15.0
    assert wd.ready("up") and notify_socket.recv(256) == b"READY=1\nSTATUS=up"
    assert wd.ping() and notify_socket.recv(256) == b"WATCHDOG=1"
    assert wd.pings == 1


def test_notify_abstract_socket() -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(64) == b"WATCHDOG=1"


def test_outside_systemd_nothing_is_sent(tmp_path: Path) -> None:
    assert not notify("READY=1", {})
    assert not Watchdog({}).enabled
    assert not Watchdog({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}).enabled  # meant for another process
    assert not notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")})  # manager gone: no crash
