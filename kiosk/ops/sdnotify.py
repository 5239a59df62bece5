"""systemd's notify protocol (sd_notify(3)): one datagram to $NOTIFY_SOCKET per state change.

Spoken directly: the protocol is one `sendto` of "KEY=VALUE" lines on an AF_UNIX datagram
socket, and the only PyPI package for it (sdnotify) has been unmaintained since 2017.
Outside systemd (no NOTIFY_SOCKET) every call is a no-op, so the kiosk runs the same by hand.

`Watchdog.ping()` must be called from the loop it vouches for (the Kivy clock): when that
loop freezes the pings stop, and systemd (WatchdogSec) kills and restarts the kiosk.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def _address(env: Mapping[str, str]) -> str | None:
    addr = env.get("NOTIFY_SOCKET", "")
    if addr.startswith("@"):
        return "\0" + addr[1:]  # abstract namespace
    if addr.startswith("/"):
        return addr
    return None  # unset, or a vsock address (a VM's manager) we do not speak


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send `state` (e.g. "READY=1" or "WATCHDOG=1"); False when not under systemd or the send fails."""
    addr = _address(os.environ if env is None else env)
    if addr is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(addr)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:  # the manager went away: never take the kiosk down for it
        log.warning("sd_notify %r to %r failed: %s", state, addr, exc)
        return False
    return True


class Watchdog:
    """READY=1 once, then WATCHDOG=1 at half the interval systemd asks for (WATCHDOG_USEC)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)
        usec = self.env.get("WATCHDOG_USEC", "")
        pid = self.env.get("WATCHDOG_PID", "")
        wanted = usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid()))
        self.interval_s: float | None = int(usec) / 1e6 / 2 if wanted else None
        self.pings = 0

    @property
    def enabled(self) -> bool:
        return self.interval_s is not None

    def ready(self, status: str = "") -> bool:
        return notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self.env)

    def ping(self) -> bool:
        sent = notify("WATCHDOG=1", self.env)
        self.pings += sent
        return sent

    def stopping(self) -> bool:
        return notify("STOPPING=1", self.env)
