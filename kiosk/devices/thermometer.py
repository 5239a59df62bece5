"""Thermometers: one small interface, a serial infrared module, the guard's keypad, a fake.

`make_thermometer(cfg)` picks one from `thermometer.kind` and fails loudly (a clear
ThermometerError naming the port) when the device cannot be opened: a kiosk that
silently measured nothing would let everyone through unchecked.

The serial module speaks one ASCII line per measurement, e.g. `T=36.52`, `TEMP:36.5C`
or `36.5` (the common MLX90614 UART boards); lines that hold no temperature are skipped.
"""

from __future__ import annotations

import itertools
import queue
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from kiosk.domain.temperature import Method, parse_celsius

_LINE = re.compile(r"(?:^|[=:\s])(-?\d{1,3}(?:\.\d{1,3})?)\s*(?:°?C|℃)?\s*$", re.IGNORECASE)


class ThermometerError(RuntimeError):
    pass


class Thermometer(Protocol):
    method: Method

    def read(self, timeout: float) -> float | None:
        """The next reading in °C, or None if none came within timeout seconds."""

    def close(self) -> None: ...


def parse_line(raw: bytes) -> float | None:
    try:
        text = raw.decode("ascii", errors="strict").strip()
    except UnicodeDecodeError:
        return None
    match = _LINE.search(text)
    return float(match.group(1)) if match else None


class SerialInfraredThermometer:
    method = Method.INFRARED

    def __init__(self, port: str, baud: int = 9600, *, serial_port: Any = None) -> None:
        if serial_port is None:
            import serial  # pyserial: the well-kept serial library (ports, URLs, timeouts)

            try:
                serial_port = serial.serial_for_url(port, baudrate=baud, timeout=0.1)
            except (serial.SerialException, ValueError, OSError) as exc:
                raise ThermometerError(f"cannot open the thermometer on {port}: {exc}; check the cable and thermometer.serial_port") from None
        self.port = port
        self._serial = serial_port

    def read(self, timeout: float) -> float | None:
        """Wait for the next measurement line; stale lines from before the call are dropped."""
        import serial

        deadline = time.monotonic() + timeout
        try:
            self._serial.reset_input_buffer()
            buf = b""
            while time.monotonic() < deadline:
                chunk = self._serial.read(64)
                if not chunk:
                    continue
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    value = parse_line(line)
                    if value is not None:
                        return value
                buf = buf[-256:]
        except (serial.SerialException, OSError) as exc:
            raise ThermometerError(f"the thermometer on {self.port} stopped answering: {exc}") from None
        return None

    def close(self) -> None:
        self._serial.close()


class KeypadThermometer:
    """The guard types the reading from a hand-held thermometer; the screen calls submit()."""

    method = Method.KEYPAD

    def __init__(self) -> None:
        self._typed: queue.Queue[float] = queue.Queue()

    def submit(self, text: str) -> float:
        value = parse_celsius(text)
        if value is None:
            raise ValueError(f"{text!r} is not a temperature; type it like 36.5 / 请输入体温，如 36.5")
        self._typed.put(value)
        return value

    def read(self, timeout: float) -> float | None:
        try:
            return self._typed.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        pass


class FakeThermometer(KeypadThermometer):
    """Demo and tests: hands out preset readings through the keypad's queue."""

    method = Method.INFRARED

    def __init__(self, readings: Iterable[float] = (36.5,)) -> None:
        super().__init__()
        for value in readings:
            self._typed.put(value)


class SimulatedThermometer(FakeThermometer):
    """The demo's thermometer (`thermometer.kind = fake`): a plausible forehead reading about a
    second after it is asked, so the demo runs hands-free."""

    def __init__(self, readings: Iterable[float] = (), pause_s: float = 0.8) -> None:
        super().__init__(readings)
        self.pause_s = pause_s
        self._next = itertools.cycle((36.4, 36.6, 36.3, 36.8, 36.5))

    def read(self, timeout: float) -> float | None:
        value = super().read(0.0) if not self._typed.empty() else None
        if value is not None:
            return value
        if timeout < self.pause_s:
            time.sleep(max(timeout, 0.0))
            return None
        time.sleep(self.pause_s)
        return next(self._next)


def make_thermometer(cfg: Mapping[str, Any]) -> Thermometer:
    kind = cfg["thermometer.kind"]
    if kind == "keypad":
        return KeypadThermometer()
    if kind == "serial":
        return SerialInfraredThermometer(cfg["thermometer.serial_port"], cfg["thermometer.serial_baud"])
    if kind == "fake":
        return SimulatedThermometer()
    raise ThermometerError(f"unknown thermometer.kind {kind!r}: use keypad, serial or fake")
