"""The duplicate window and the shared code feed (pure rule + thread-safe entry)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kiosk.devices.feed import CodeFeed, Deduper
from kiosk.devices.frames import FrameSlot
from kiosk.devices.worker import DecodeWorker

# (payload, time seen) in order → which sightings are processed. Window 3 s.
SCRIPTS = [
    ("one code once", [("A", 0.0)], [True]),
    ("held in front of the camera for 10 s", [("A", t / 10) for t in range(100)], [True] + [False] * 99),
    ("a different code right after", [("A", 0.0), ("B", 0.05)], [True, True]),
    ("A, B, A again within the window", [("A", 0.0), ("B", 1.0), ("A", 2.0)], [True, True, False]),
    ("A back after it was out of sight for longer than the window", [("A", 0.0), ("A", 3.5)], [True, True]),
    ("exactly at the window is still a repeat", [("A", 0.0), ("A", 3.0)], [True, False]),
]


@pytest.mark.parametrize(("name", "sightings", "expected"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_duplicate_window(name: str, sightings: list[tuple[str, float]], expected: list[bool]) -> None:
    d = Deduper(3.0)
    assert [d.is_new(p, t) for p, t in sightings] == expected


def test_window_zero_processes_every_sighting_and_forget_resets() -> None:
    d = Deduper(0.0)
    assert [d.is_new("A", t) for t in (0.0, 0.1, 0.2)] == [True, True, True]
    d3 = Deduper(3.0)
    assert d3.is_new("A", 0.0) and not d3.is_new("A", 1.0)
    d3.forget("A")
    assert d3.is_new("A", 1.1)
    with pytest.raises(ValueError):
        Deduper(-1)


def test_memory_stays_bounded() -> None:
    d = Deduper(1.0)
    for i in range(5000):
        d.is_new(f"code-{i}", float(i))
    assert len(d._last_seen) <= 257


def test_feed_shares_the_window_across_sources_and_rejects_bad_reads() -> None:
    now = [0.0]
    got: list[tuple[str, str]] = []
    feed = CodeFeed(lambda p, o: got.append((p, o)), 3.0, clock=lambda: now[0])
    assert feed.offer("HC1:XYZ", "serial")
    now[0] = 0.5
    assert not feed.offer("HC1:XYZ", "camera")  # the camera sees what the scanner just read
    assert not feed.offer("", "wedge")
    assert not feed.offer("x" * 8000, "wedge")
    assert not feed.offer("A\x00B", "serial")
    assert got == [("HC1:XYZ", "serial")]
    assert (feed.accepted, feed.repeats, feed.rejected) == (1, 1, 3)


def test_a_failing_consumer_does_not_stop_the_feed() -> None:
    calls: list[str] = []

    def consumer(payload: str, origin: str) -> None:
        calls.append(payload)
        raise RuntimeError("UI bug")

    feed = CodeFeed(consumer, 3.0)
    assert feed.offer("A", "camera") and feed.offer("B", "camera")
    assert calls == ["A", "B"]


class _Source:
    def __init__(self) -> None:
        self.slot = FrameSlot()

    def wait_frame(self, after_seq: int, timeout: float):  # noqa: ANN201
        return self.slot.wait_newer(after_seq, timeout)


class _BrokenThenFine:
    def __init__(self) -> None:
        self.calls = 0

    def decode(self, frame: object, quick: bool = False) -> list[str]:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("native decoder crashed")
        return ["CODE-1"]


def test_worker_survives_a_decoder_error_and_decodes_only_new_frames() -> None:
    src, dec = _Source(), _BrokenThenFine()
    got: list[str] = []
    done = threading.Event()
    worker = DecodeWorker(src, dec, lambda p, o: (got.append(p), done.set()), 3.0).start()
    try:
        src.slot.put(np.zeros((30, 30), np.uint8))
        deadline = time.monotonic() + 2
        while dec.calls < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        src.slot.put(np.zeros((30, 30), np.uint8))
        assert done.wait(2)
        time.sleep(0.1)
        assert dec.calls == 2, "the same frame must not be decoded twice"
        assert worker.running
    finally:
        worker.stop()
    assert got == ["CODE-1"] and not worker.running


def test_worker_needs_a_consumer() -> None:
    with pytest.raises(ValueError, match="on_code or feed"):
        DecodeWorker(_Source(), _BrokenThenFine())
