"""Live camera preview: pulls the newest frame from a FrameSource on the Kivy clock.

The capture thread owns the camera; this widget only copies the newest frame into a
texture (never waits for one), so a frozen camera leaves the screen responsive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.image import Image


def fit(frame: Any, width: int, height: int) -> Any:
    """Scale a frame down to the widget's size before upload: a 720p frame shown in a
    650-pixel box costs four times less to copy and to draw (the screen shows no more)."""
    import cv2

    h, w = frame.shape[:2]
    scale = min(width / w, height / h) if width > 0 and height > 0 else 1.0
    if scale >= 1.0:
        return frame
    return cv2.resize(frame, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_LINEAR)  # fast; a preview needs no more


class CameraPreview(Image):
    source_obj = ObjectProperty(None, allownone=True)  # a kiosk.ui.ports.FrameSource
    fps = NumericProperty(30)
    state = StringProperty("off")
    frames_shown = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._event: Any = None
        self._last_id = -1
        self.fit_mode = "contain"

    def start(self) -> None:
        if self._event is None:
            self._event = Clock.schedule_interval(self._tick, 1.0 / max(1, self.fps))

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _tick(self, _dt: float) -> None:
        src = self.source_obj
        if src is None:
            self.state = "off"
            return
        self.state = src.state()
        got = src.latest()
        if got is None:
            return
        frame_id, frame = got
        if frame_id == self._last_id:
            return
        self._last_id = frame_id
        self.show_frame(frame)

    def show_frame(self, frame: Any) -> None:
        frame = fit(frame, int(self.width), int(self.height))
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
