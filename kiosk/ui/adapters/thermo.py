"""The thermometer while the temperature screen waits: reads on its own thread (a serial
read blocks for up to thermometer.read_timeout_s) and hands each reading over through a
callback; the screen moves it to the Kivy thread. Cancelled when the screen is left."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kiosk.ui.ports import OnReading

if TYPE_CHECKING:  # kiosk.devices is imported only when a thermometer is wired (make_feed)
    from kiosk.devices.thermometer import Thermometer

log = logging.getLogger(__name__)


class ThermometerFeed:
    """kiosk.ui.ports.TemperatureFeed over a kiosk.devices.thermometer.Thermometer."""

    def __init__(self, thermometer: Thermometer, timeout_s: float) -> None:
        self.thermometer = thermometer
        self.timeout_s = timeout_s
        self._token = 0
        self._lock = threading.Lock()
        self._port = threading.Lock()
        self.reading = False  # a read is under way (tests wait for it)

    def measure(self, on_reading: OnReading, on_error: Callable[[str], None]) -> None:
        """Read until one plausible-looking line arrives or cancel() is called."""
        with self._lock:
            self._token += 1
            token = self._token
        threading.Thread(target=self._run, args=(token, on_reading, on_error), name="thermometer", daemon=True).start()

    def cancel(self) -> None:
        with self._lock:
            self._token += 1

    def _current(self, token: int) -> bool:
        with self._lock:
            return token == self._token

    def _run(self, token: int, on_reading: OnReading, on_error: Callable[[str], None]) -> None:
        from kiosk.devices.thermometer import ThermometerError

        while self._current(token):
            self.reading = True
            try:
                with self._port:  # one read at a time on the port (a cancelled read may still be running)
                    value = self.thermometer.read(self.timeout_s) if self._current(token) else None
            except ThermometerError as exc:
                self.reading = False
                log.warning("thermometer: %s", exc)
                if self._current(token):
                    on_error(str(exc))
                return
            if value is not None and self._current(token):
                self.reading = False
                on_reading(value, str(self.thermometer.method), dt.datetime.now(dt.UTC))
                return
        self.reading = False

    def close(self) -> None:
        self.cancel()
        self.thermometer.close()


def make_feed(cfg: Mapping[str, Any]) -> ThermometerFeed | None:
    """None when the guard types every temperature (thermometer.kind = keypad)."""
    from kiosk.devices.thermometer import make_thermometer

    if cfg["thermometer.kind"] == "keypad":
        return None
    return ThermometerFeed(make_thermometer(cfg), float(cfg["thermometer.read_timeout_s"]))
