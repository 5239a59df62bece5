"""A hand-held scanner on a serial port (or USB CDC-ACM), read with pyserial.

The scanner sends each code followed by CR and/or LF. A reader thread splits the stream
into lines and offers each one to the same CodeFeed as the camera. An unplugged scanner
is reopened with backoff and shown as a status; bad bytes are logged, never crash it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any

from kiosk.devices.background import BackgroundLoop
from kiosk.devices.feed import MAX_PAYLOAD_CHARS
from kiosk.devices.frames import RECONNECT_BACKOFF
from sync.common.backoff import Backoff

log = logging.getLogger(__name__)

Offer = Callable[[str, str], Any]  # CodeFeed.offer(payload, origin) or any on_code


class ScannerStatus(enum.StrEnum):
    STARTING = "starting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (CR, LF or CRLF ended; empty ones dropped) and the unfinished rest."""
    normalised = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    *lines, rest = normalised.split(b"\n")
    return [line for line in lines if line], rest


class SerialScanner(BackgroundLoop):
    def __init__(self, port: str, offer: Offer, *, baudrate: int = 9600, suffix: str = "",
                 backoff: Backoff | None = None, max_line_bytes: int = MAX_PAYLOAD_CHARS * 4) -> None:
        if not port.strip():
            raise ValueError("scanner.serial_port is empty: name the port, e.g. /dev/ttyACM0")
        super().__init__("serial-scanner")
        self.port = port
        self._offer = offer
        self._baudrate = baudrate
        self._suffix = suffix
        self._backoff = backoff or RECONNECT_BACKOFF
        self._max_line = max_line_bytes
        self.status = ScannerStatus.STARTING
        self.last_error = ""
        self.codes = 0

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        self.status = ScannerStatus.STOPPED

    def _run(self) -> None:
        import serial

        failures = 0
        while not self._stop.is_set():
            try:
                conn = serial.serial_for_url(self.port, baudrate=self._baudrate, timeout=0.1)
            except (serial.SerialException, OSError, ValueError) as exc:
                failures += 1
                wait = self._backoff.ceiling(failures)
                self.status, self.last_error = ScannerStatus.RECONNECTING, f"cannot open {self.port}: {exc}"
                log.warning("%s; next try in %.1f s", self.last_error, wait)
                self._stop.wait(wait)
                continue
            failures = 0
            self.status = ScannerStatus.CONNECTED
            try:
                self._read(conn)
            except (serial.SerialException, OSError) as exc:
                self.last_error = f"{self.port} lost: {exc}"
                log.warning("%s", self.last_error)
            finally:
                conn.close()
            if not self._stop.is_set():
                self.status = ScannerStatus.RECONNECTING
                self._stop.wait(self._backoff.ceiling(1))

    def _read(self, conn: Any) -> None:
        pending = b""
        while not self._stop.is_set():
            chunk = conn.read(max(1, conn.in_waiting))
            if not chunk:
                continue
            lines, pending = split_lines(pending + chunk)
            if len(pending) > self._max_line:
                self.last_error = f"dropped {len(pending)} bytes from {self.port} with no line end"
                log.warning("%s", self.last_error)
                pending = b""
            for line in lines:
                self._handle(line)

    def _handle(self, line: bytes) -> None:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.last_error = f"ignored a read from {self.port} that is not UTF-8 text ({exc.reason} at byte {exc.start})"
            log.warning("%s", self.last_error)
            return
        if self._suffix and text.endswith(self._suffix):
            text = text[: -len(self._suffix)]
        if text:
            self.codes += 1
            self._offer(text, "serial")
