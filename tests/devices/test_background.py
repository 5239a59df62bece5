"""The one background-thread helper of the camera, the serial scanners and the decode worker."""

from __future__ import annotations

import threading

from kiosk.devices.background import BackgroundLoop


class Ticker(BackgroundLoop):
    def __init__(self) -> None:
        super().__init__("ticker")
        self.ticks = 0
        self.threads: set[str] = set()
        self.ticked = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.ticks += 1
            self.threads.add(threading.current_thread().name)
            self.ticked.set()
            self._stop.wait(0.01)


def test_start_runs_one_named_daemon_thread_and_stop_ends_it() -> None:
    t = Ticker()
    assert not t.running
    assert t.start() is t
    t.start()  # a second start does not start a second thread
    assert t.ticked.wait(5.0) and t.running
    assert [th.daemon for th in threading.enumerate() if th.name == "ticker"] == [True]
    t.stop(timeout=5.0)
    assert not t.running
    ticks = t.ticks
    t.start()  # stopped stays stopped
    assert not t.running and t.ticks == ticks
    assert t.threads == {"ticker"}


def test_stop_before_start_is_harmless() -> None:
    t = Ticker()
    t.stop(timeout=0.1)
    assert not t.running and t.ticks == 0
