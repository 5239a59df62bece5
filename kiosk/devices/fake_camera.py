"""A stand-in camera for machines without one (camera.kind = "synthetic").

`SyntheticCapture` behaves like cv2.VideoCapture on a device: read() blocks until the next
frame is due, then returns a synthetic 1280x720 scene (a code on a phone or paper, or an
empty gate). It drives exactly the same CameraSource loop as a real camera, including the
reconnect path (`fail_after` frames makes it "unplug").
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from kiosk.devices import synth
from kiosk.devices.camera import CameraSource
from sync.common.backoff import Backoff

CAP_PROP_FPS = 5  # cv2.CAP_PROP_FPS, without importing cv2 here


class SyntheticCapture:
    def __init__(self, scenes: list[np.ndarray], *, fps: float = 15.0, hold_frames: int = 30,
                 fail_after: int | None = None) -> None:
        if not scenes:
            raise ValueError("a synthetic camera needs at least one scene")
        self._scenes = scenes
        self._period = 1.0 / fps
        self._hold = max(1, hold_frames)
        self._fail_after = fail_after
        self._count = 0
        self._next_at = time.monotonic()
        self._open = True

    def isOpened(self) -> bool:  # noqa: N802 — OpenCV's spelling
        return self._open

    def read(self) -> tuple[bool, Any]:
        if not self._open or (self._fail_after is not None and self._count >= self._fail_after):
            return False, None
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next_at = max(self._next_at + self._period, time.monotonic())
        scene = self._scenes[(self._count // self._hold) % len(self._scenes)]
        self._count += 1
        return True, scene.copy()

    def release(self) -> None:
        self._open = False

    def get(self, prop_id: int) -> float:
        return 1.0 / self._period if prop_id == CAP_PROP_FPS else 0.0


def demo_scenes(seed: int = synth.DEFAULT_SEED) -> list[np.ndarray]:
    """A short loop: an empty gate, a code on a phone, empty, a code on paper."""
    rng = np.random.default_rng(seed)
    return [synth.make_frame(c, k, rng).image for c, k in
            (("no_code", "url"), ("phone", "url"), ("no_code", "url"), ("paper", "hc1"))]


def synthetic_camera(fps: float = 15.0, backoff: Backoff | None = None) -> CameraSource:
    scenes: list[np.ndarray] = []
    lock = threading.Lock()

    def opener() -> SyntheticCapture:
        with lock:  # drawn once, on the capture thread, so start-up stays quick
            if not scenes:
                scenes.extend(demo_scenes())
        return SyntheticCapture(scenes, fps=fps, hold_frames=int(fps * 3))

    return CameraSource(opener, name="synthetic camera", backoff=backoff)
