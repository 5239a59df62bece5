"""The decode worker: one thread that takes the newest camera frame and looks for QR codes.

It is fed by the camera's one-slot queue, so it always works on the newest picture and
never builds a backlog; frames that arrive while it decodes are simply skipped. A
MotionGate compares each frame with the one before: a frame taken while the picture moves
gets the first decoding pass only (motion-blurred; the next frame is sharper), a still one
the retries as well (see kiosk/devices/motion.py and docs/devices.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.devices.background import BackgroundLoop
from kiosk.devices.feed import CodeFeed, OnCode
from kiosk.devices.frames import Frame
from kiosk.devices.motion import MotionGate, thumbnail

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    def wait_frame(self, after_seq: int, timeout: float) -> Frame | None: ...


class FrameDecoder(Protocol):
    def decode(self, frame: Any, quick: bool = False) -> list[str]: ...


class DecodeWorker(BackgroundLoop):
    """DecodeWorker(source, decoder, on_code, window_s).start(); on_code(payload, "camera").

    on_code runs on this worker's thread. Pass `feed=` to share one duplicate window with
    the hand-held scanners (then on_code and window_s are not used).
    """

    def __init__(self, source: FrameSource, decoder: FrameDecoder, on_code: OnCode | None = None,
                 window_s: float = 3.0, *, feed: CodeFeed | None = None,
                 clock: Callable[[], float] = time.monotonic, motion: MotionGate | None = None) -> None:
        super().__init__("decode")
        if feed is None:
            if on_code is None:
                raise ValueError("DecodeWorker needs on_code or feed")
            feed = CodeFeed(on_code, window_s, clock)
        self.feed = feed
        self._source = source
        self._decoder = decoder
        self.motion = motion if motion is not None else MotionGate()
        self.frames_decoded = 0
        self.frames_quick = 0  # decoded with the first pass only (the picture was moving)
        self.last_decode_ms = 0.0

    def _plan(self, image: Any) -> bool:
        """True: the full effort (retries) for this frame; False: the first pass only."""
        try:
            return self.motion.plan(thumbnail(image))
        except Exception:  # an odd frame (float, one channel): the decoder copes; give it everything
            return True

    def _run(self) -> None:
        last_seq = 0
        while not self._stop.is_set():
            frame = self._source.wait_frame(last_seq, timeout=0.2)
            if frame is None:
                continue
            last_seq = frame.seq
            started = time.perf_counter()
            full = self._plan(frame.image)
            self.frames_quick += not full
            try:
                codes = self._decoder.decode(frame.image, quick=not full)
            except Exception:  # DecodePipeline never raises; another decoder might
                log.exception("decoder failed; frame skipped")
                codes = []
            self.last_decode_ms = (time.perf_counter() - started) * 1000
            self.frames_decoded += 1
            for payload in codes:
                self.feed.offer(payload, "camera")
