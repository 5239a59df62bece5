"""Hand-over of camera frames between threads: a one-slot queue that keeps only the newest.

The capture thread overwrites the slot; the UI (`latest()`) and the decode worker
(`wait_newer()`) read it. Old frames are dropped, so nobody ever works on a stale picture.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from sync.common.backoff import Backoff

# How a lost camera or scanner is reopened unless the settings say otherwise (camera.reconnect_*).
RECONNECT_BACKOFF = Backoff(0.5, 30.0)


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR uint8 as cv2.VideoCapture delivers it
    seq: int  # 1, 2, 3 … per source, never reused
    at: float  # time.monotonic() when captured


class FrameSlot:
    """One slot, newest frame wins. Thread-safe."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._seq = 0
        self.dropped = 0  # frames overwritten before the decode worker took them
        self._taken = 0

    def put(self, image: np.ndarray) -> Frame:
        with self._cond:
            if self._frame is not None and self._frame.seq > self._taken:
                self.dropped += 1
            self._seq += 1
            self._frame = Frame(image, self._seq, time.monotonic())
            self._cond.notify_all()
            return self._frame

    def latest(self) -> Frame | None:
        with self._cond:
            return self._frame

    def wait_newer(self, after_seq: int, timeout: float) -> Frame | None:
        """The newest frame with seq > after_seq, waiting up to `timeout` s for one; else None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._frame is None or self._frame.seq <= after_seq:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            self._taken = max(self._taken, self._frame.seq)
            return self._frame

    def clear(self) -> None:
        """Forget the last frame (a lost camera must not keep showing its last picture)."""
        with self._cond:
            self._frame = None
