"""How much effort a camera frame deserves, judged from the frames before it.

A phone brought up to the camera moves for a few hundred milliseconds, then stops. While
it moves, the frames are smeared by motion blur, and the next frame (33 ms later at 30 fps)
is sharper than this one: a frame taken in motion gets the first decoding pass only (a
few ms), never the retries. The first frame after the picture settles gets the full
effort at once (first pass + retry within the budget). While the picture stays still and
shows no code (an empty gate), the retry runs only on every `full_every`-th frame: the
first pass still reads every frame, and the retry's CPU is not spent 30 times a second on
the same empty scene.

Motion is the mean absolute difference between small grey thumbnails of consecutive
decoded frames (grey levels, 0-255): sensor noise gives ~1, a hand holding a phone
still ~1-3, a phone moving into view 10 or more (measured on the clips of
tests/benchmarks/bench_appear.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

THUMB_WIDTH = 96


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A small grey copy of a frame, for comparing frames (about 0.2 ms for 720p)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_BGR2GRAY)
    h, w = gray.shape[:2]
    size = (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / max(w, 1))))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.int16)


@dataclass
class MotionGate:
    """plan(thumb) -> True when the frame should get the full effort (retries), False: first pass only."""

    threshold: float = 6.0  # mean grey-level change between frames above which the picture "moves"
    full_every: int = 4  # on a still picture without a code, retry on every n-th frame
    _prev: np.ndarray | None = None
    _still_frames: int = 0
    last_motion: float = 0.0

    def __post_init__(self) -> None:
        if self.threshold <= 0 or self.full_every < 1:
            raise ValueError(f"motion gate needs threshold > 0 and full_every >= 1, got {self.threshold}, {self.full_every}")

    def plan(self, thumb: np.ndarray) -> bool:
        prev, self._prev = self._prev, thumb
        if prev is None or prev.shape != thumb.shape:
            self._still_frames = 0
            return True  # nothing to compare with: give it the full effort
        self.last_motion = float(np.abs(thumb - prev).mean())
        if self.last_motion > self.threshold:
            self._still_frames = 0
            return False  # moving: the next frame will be sharper
        full = self._still_frames % self.full_every == 0  # the first still frame, then every n-th
        self._still_frames += 1
        return full
