"""On a real gate terminal: full screen on a bare X server (no window manager) at 1080×1920,
the pointer hidden for touch, and the systemd watchdog pinged by the Kivy loop — until it freezes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ops.xserver import xvfb


def test_full_screen_without_a_window_manager(run_scenario: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    with xvfb(1080, 1920) as display:  # a portrait stand's screen, nothing else running on it
        monkeypatch.setenv("DISPLAY", display)
        facts = run_scenario("window", KIOSK_UI_FULLSCREEN="true", KIOSK_UI_TOUCH_ONLY="true")["facts"]
    assert facts["x_window"] == [1080, 1920, 0, 0], "the window must cover the whole screen from its corner"
    assert facts["kivy_size"] == [1080, 1920]
    assert facts["cursor_shown"] == 0


def test_windowed_with_a_pointer_by_default(run_scenario: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    with xvfb(1080, 1920) as display:
        monkeypatch.setenv("DISPLAY", display)
        facts = run_scenario("window")["facts"]
    assert facts["x_window"][:2] == [1280, 800] and facts["kivy_size"] == [1280, 800]
    assert facts["cursor_shown"] == 1


def test_the_kivy_loop_pings_the_watchdog_until_it_freezes(run_scenario: Callable[..., dict[str, Any]], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # what systemd listens on
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(0.2)
    got: list[tuple[float, str]] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                got.append((time.time(), sock.recv(256).decode()))
            except TimeoutError:
                continue

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # WatchdogSec=0.4: a ping every 0.2 s
    try:
        facts = run_scenario("watchdog")["facts"]
    finally:
        stop.set()
        listener.join()
        sock.close()
    frozen_at, thawed_at = facts["frozen_at"], facts["thawed_at"]
    assert got and got[0][1].startswith("READY=1"), got[:3]
    pings = [t for t, msg in got if msg == "WATCHDOG=1"]
    before = [t for t in pings if t < frozen_at]
    during = [t for t in pings if frozen_at + 0.3 < t < thawed_at - 0.3]
    after = [t for t in pings if t > thawed_at]
    assert len(before) >= 4, f"pings while the loop turns: {len(before)}"
    assert during == [], "a frozen Kivy loop must not ping"
    assert len(after) >= 3, "pings resume once the loop turns again"
    assert got[-1][1] == "STOPPING=1"
