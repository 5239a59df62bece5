"""The screen's systemd watchdog: pings ride on the Kivy clock, so a frozen UI stops them.

Under `kiosk service install`'s unit (Type=notify, WatchdogSec) systemd restarts a kiosk
whose Kivy loop stopped turning; outside systemd nothing is sent.
"""

from __future__ import annotations

from typing import Any

from kiosk.ops.sdnotify import Watchdog


def start_watchdog(clock: Any, watchdog: Watchdog | None = None) -> Watchdog:
    """Call on the Kivy thread once the first screen is up: READY=1, then WATCHDOG=1 from the clock."""
    wd = watchdog or Watchdog()
    wd.ready("the gate screen is up")
    if wd.interval_s is not None:
        clock.schedule_interval(lambda _dt: wd.ping(), wd.interval_s)
    return wd
