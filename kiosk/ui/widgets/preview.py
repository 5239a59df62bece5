"""Live camera preview: pulls the newest frame from a FrameSource on the Kivy clock.

The capture thread owns the camera; this widget only copies the newest frame into a
texture (never waits for one), so a frozen camera leaves the screen responsive.

It costs the window as little as it can (measured in tests/benchmarks/bench_ui.py):
- it looks for a new frame once per window frame and uploads only a frame it has not
  shown, at most `fps` a second: the window redraws at the camera's rate, never faster,
  and a frame the screen would not get to show (the window is slower than the camera) is
  skipped, not uploaded;
- it uploads a reduced picture, at most `max_side` pixels on its longest side (the GPU
  scales it up to the widget): a preview for aiming a phone needs no more, and the upload
  and the colour conversion shrink with the square of the side.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.image import Image


def fit(frame: Any, width: int, height: int, max_side: int = 0) -> Any:
    """Scale a frame down to the widget's size, and to at most `max_side` pixels (0: no cap),
    before upload: a 720p frame shown in a 650-pixel box costs four times less to copy."""
    import cv2

    h, w = frame.shape[:2]
    scale = min(width / w, height / h) if width > 0 and height > 0 else 1.0
    if max_side > 0:
        scale = min(scale, max_side / max(w, h))
    if scale >= 1.0:
        return frame
    return cv2.resize(frame, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_LINEAR)  # fast; a preview needs no more


class CameraPreview(Image):
    source_obj = ObjectProperty(None, allownone=True)  # a kiosk.ui.ports.FrameSource
    fps = NumericProperty(30)  # at most this many uploads a second
    max_side = NumericProperty(480)  # longest side of the uploaded picture, px (0: the widget's size)
    state = StringProperty("off")
    frames_shown = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._event: Any = None
        self._last_id = -1
        self._last_upload = 0.0
        self.fit_mode = "contain"

    def start(self) -> None:
        if self._event is None:
            # every window frame (a cheap look at the slot); the upload itself is rate-limited
            self._event = Clock.schedule_interval(self._tick, 0)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _tick(self, _dt: float) -> None:
        src = self.source_obj
        if src is None:
            self.state = "off"
            return
        state = src.state()
        if state != self.state:  # a property set fires its observers: only on a change
            self.state = state
        got = src.latest()
        if got is None:
            return
        frame_id, frame = got
        if frame_id == self._last_id:
            return  # nothing new: no upload, no redraw
        now = time.monotonic()
        if now - self._last_upload < 0.9 / max(1, self.fps):
            return  # faster than the preview rate: this frame is skipped, the next one shown
        self._last_id, self._last_upload = frame_id, now
        self.show_frame(frame)

    def show_frame(self, frame: Any) -> None:
        frame = fit(frame, int(self.width), int(self.height), int(self.max_side))
        h, w = frame.shape[:2]
        tex: Any = getattr(self, "texture", None)  # a Kivy property (untyped)
        if tex is None or tex.size != (w, h):
            tex = Texture.create(size=(w, h), colorfmt="bgr")
            tex.flip_vertical()  # OpenCV rows go top-down, GL textures bottom-up
            self.texture = tex
        # the array's own memory, no copy (the bytes copy measured 4-25x slower, docs/benchmarks.md)
        tex.blit_buffer(memoryview(np.ascontiguousarray(frame).data).cast("B"), colorfmt="bgr", bufferfmt="ubyte")
        self.canvas.ask_update()
        self.frames_shown += 1
