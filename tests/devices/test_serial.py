"""The serial scanner read through a real pseudo-terminal pair (os.openpty) with pyserial."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from kiosk.devices.feed import CodeFeed
from kiosk.devices.serial_scanner import ScannerStatus, SerialScanner, split_lines
from sync.common.backoff import Backoff


def wait_for(predicate, timeout: float = 5.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


class Pty:
    """The scanner's end (master, we write to it) and the port the kiosk opens (slave)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.port = os.ttyname(self.slave)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def pty() -> Iterator[Pty]:
    p = Pty()
    yield p
    p.close()


class Collector:
    def __init__(self) -> None:
        self.codes: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, payload: str, origin: str) -> None:
        with self.lock:
            self.codes.append((payload, origin))


def test_codes_arrive_whole_whatever_the_line_ends_and_chunking(pty: Pty) -> None:
    got = Collector()
    scanner = SerialScanner(pty.port, CodeFeed(got, 3.0).offer, backoff=Backoff(0.05, 0.1)).start()
    try:
        assert wait_for(lambda: scanner.status is ScannerStatus.CONNECTED)
        pty.send(b"https://jkm.example.gov.cn/v?t=1\r\n")
        pty.send(b"HC1:NCFOX")  # a code split across reads
        time.sleep(0.15)
        pty.send(b"N%TSMAHN\r")
        pty.send("张三 HCN1:码\n".encode())
        pty.send(b"\r\n\r\n")  # empty lines are nothing
        pty.send(b"HC1:NCFOXN%TSMAHN\n")  # the same code again at once: a repeat
        assert wait_for(lambda: len(got.codes) >= 3)
        time.sleep(0.2)
    finally:
        scanner.stop()
    assert got.codes == [("https://jkm.example.gov.cn/v?t=1", "serial"), ("HC1:NCFOXN%TSMAHN", "serial"),
                         ("张三 HCN1:码", "serial")]
    assert scanner.status is ScannerStatus.STOPPED


def test_bytes_that_are_not_utf8_are_reported_not_passed_on(pty: Pty) -> None:
    got = Collector()
    scanner = SerialScanner(pty.port, got, backoff=Backoff(0.05, 0.1), suffix="#").start()
    try:
        assert wait_for(lambda: scanner.status is ScannerStatus.CONNECTED)
        pty.send(b"\xff\xfe\x00garbage\r\n")
        pty.send(b"CODE-42#\r\n")
        assert wait_for(lambda: got.codes)
    finally:
        scanner.stop()
    assert got.codes == [("CODE-42", "serial")]
    assert "not UTF-8" in scanner.last_error


def test_an_endless_line_is_dropped_and_reading_goes_on(pty: Pty) -> None:
    got = Collector()
    scanner = SerialScanner(pty.port, got, backoff=Backoff(0.05, 0.1), max_line_bytes=100).start()
    try:
        assert wait_for(lambda: scanner.status is ScannerStatus.CONNECTED)
        pty.send(b"x" * 300)
        assert wait_for(lambda: "no line end" in scanner.last_error)
        pty.send(b"\nOK-CODE\n")
        assert wait_for(lambda: got.codes)
    finally:
        scanner.stop()
    assert got.codes[-1] == ("OK-CODE", "serial")
    assert all(len(c) <= 100 for c, _ in got.codes)


def test_a_missing_port_is_retried_with_a_status_and_a_reason(tmp_path) -> None:  # noqa: ANN001
    scanner = SerialScanner(str(tmp_path / "ttyACM9"), Collector(), backoff=Backoff(0.05, 0.1)).start()
    try:
        assert wait_for(lambda: scanner.status is ScannerStatus.RECONNECTING)
        assert "cannot open" in scanner.last_error
    finally:
        scanner.stop()


def test_an_unplugged_scanner_is_noticed_and_the_reader_keeps_running() -> None:
    p = Pty()
    scanner = SerialScanner(p.port, Collector(), backoff=Backoff(0.05, 0.1)).start()
    try:
        assert wait_for(lambda: scanner.status is ScannerStatus.CONNECTED)
        p.close()  # the cable is pulled
        assert wait_for(lambda: scanner.status is ScannerStatus.RECONNECTING)
        assert scanner.running
    finally:
        scanner.stop()


@pytest.mark.parametrize(
    ("data", "lines", "rest"),
    [(b"A\r\nB\nC\rD", [b"A", b"B", b"C"], b"D"), (b"\r\n\n", [], b""), (b"partial", [], b"partial"),
     (b"X\r", [b"X"], b"")],
)
def test_split_lines(data: bytes, lines: list[bytes], rest: bytes) -> None:
    assert split_lines(data) == (lines, rest)


def test_an_empty_port_name_is_refused() -> None:
    with pytest.raises(ValueError, match="serial_port is empty"):
        SerialScanner(" ", Collector())
