"""Camera input through cv2.VideoCapture: a capture thread, newest-frame slot, reconnects.

A source is a device index ("0"), a video file, or an rtsp:// / http:// URL (IP cameras).
The capture thread reads as fast as the camera delivers (a file: at its own frame rate)
and keeps only the newest frame. A camera that cannot be opened or stops delivering is
reopened with exponential backoff; the kiosk shows `status` and never crashes on it.

UI entry points (safe from the Kivy thread): `latest()` (newest BGR image or None),
`status` / `state`. The decode worker uses `wait_frame()`.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kiosk.devices.background import BackgroundLoop
from kiosk.devices.frames import RECONNECT_BACKOFF, Frame, FrameSlot
from sync.common.backoff import Backoff

log = logging.getLogger(__name__)

MAX_FILE_FPS = 240.0  # a file claiming more than this is played as fast as it decodes


class Capture(Protocol):
    """What CameraSource needs of cv2.VideoCapture (the fake camera provides the same)."""

    def isOpened(self) -> bool: ...  # noqa: N802 — OpenCV's spelling
    def read(self) -> tuple[bool, Any]: ...
    def release(self) -> None: ...
    def get(self, prop_id: int) -> float: ...


class CameraStatus(enum.StrEnum):
    STARTING = "starting"
    LIVE = "live"
    STALLED = "stalled"  # open, but no frame for camera.stall_after_s
    RECONNECTING = "reconnecting"  # lost or not found; trying again with backoff
    ENDED = "ended"  # a video file played to its end
    STOPPED = "stopped"


@dataclass(frozen=True)
class CameraState:
    status: CameraStatus
    detail: str  # for the admin screen, e.g. "cannot open rtsp://…; next try in 4 s"
    frames: int
    reconnects: int


def parse_source(text: str) -> int | str:
    """ "0" → device 0; a URL or a path stays text. Raises ValueError on an empty source."""
    text = text.strip()
    if not text:
        raise ValueError("camera.source is empty: give a device index (0), a video file or an rtsp:// URL")
    if text.isdigit():
        return int(text)
    return text


def is_url(source: int | str) -> bool:
    return isinstance(source, str) and "://" in source


def describe(source: int | str) -> str:
    """A source as shown to people: a URL without its password."""
    if isinstance(source, int):
        return f"camera device {source}"
    if is_url(source) and "@" in source:
        scheme, rest = source.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return source


def opencv_opener(source: int | str, width: int = 0, height: int = 0, timeout_s: float = 5.0) -> Callable[[], Capture]:
    """A function that opens `source` with cv2.VideoCapture (called again on each reconnect)."""

    def open_capture() -> Capture:
        import cv2

        if isinstance(source, int):
            cap = cv2.VideoCapture(source)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # fewer queued frames in the driver: less lag
            if width and height:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            return cap
        if is_url(source):
            # Bounded open and read: a dead IP camera must not hang the capture thread.
            ms = int(timeout_s * 1000)
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
            return cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
        return cv2.VideoCapture(source)

    return open_capture


class CameraSource(BackgroundLoop):
    """One camera: a daemon capture thread feeding a one-slot newest-frame queue."""

    def __init__(self, opener: Callable[[], Capture], *, name: str = "camera", is_file: bool = False,
                 realtime: bool = True, loop: bool = False, backoff: Backoff | None = None,
                 stall_after_s: float = 5.0) -> None:
        super().__init__(f"capture-{name}")
        self.name = name
        self._opener = opener
        self._is_file = is_file
        self._realtime = realtime
        self._loop = loop
        self._backoff = backoff or RECONNECT_BACKOFF
        self._stall_after_s = stall_after_s
        self.slot = FrameSlot()
        self._lock = threading.Lock()
        self._status = CameraStatus.STARTING
        self._detail = ""
        self._frames = 0
        self._reconnects = 0
        self._last_frame_at = 0.0

    # --- for the UI and the decode worker -------------------------------------------
    def latest(self) -> np.ndarray | None:
        frame = self.slot.latest()
        return None if frame is None else frame.image

    def wait_frame(self, after_seq: int, timeout: float) -> Frame | None:
        return self.slot.wait_newer(after_seq, timeout)

    @property
    def state(self) -> CameraState:
        with self._lock:
            status = self._status
            if status is CameraStatus.LIVE and time.monotonic() - self._last_frame_at > self._stall_after_s:
                status = CameraStatus.STALLED
            return CameraState(status, self._detail, self._frames, self._reconnects)

    @property
    def status(self) -> CameraStatus:
        return self.state.status

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        self._set(CameraStatus.STOPPED, "")

    # --- the capture thread ----------------------------------------------------------
    def _set(self, status: CameraStatus, detail: str) -> None:
        with self._lock:
            if status is CameraStatus.LIVE and self._status is not CameraStatus.LIVE:
                self._last_frame_at = time.monotonic()  # a fresh start is not a stall
            self._status, self._detail = status, detail

    def _open(self) -> Capture | None:
        try:
            cap = self._opener()
        except Exception as exc:  # a driver error is a failed attempt, not a crash
            log.warning("%s: opening failed: %s", self.name, exc)
            return None
        if not cap.isOpened():
            cap.release()
            return None
        return cap

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            cap = self._open()
            if cap is None:
                failures += 1
                wait = self._backoff.ceiling(failures)
                self._set(CameraStatus.RECONNECTING, f"cannot open {self.name}; next try in {wait:.1f} s")
                self._stop.wait(wait)
                continue
            self._set(CameraStatus.LIVE, "")
            delivered = self._pump(cap)
            cap.release()
            if self._stop.is_set():
                break
            if self._is_file:
                if self._loop and delivered:
                    continue
                self._set(CameraStatus.ENDED, f"{self.name} played to its end")
                return
            failures = 1 if delivered else failures + 1
            wait = self._backoff.ceiling(failures)
            with self._lock:
                self._reconnects += 1
            self.slot.clear()
            self._set(CameraStatus.RECONNECTING, f"{self.name} lost; next try in {wait:.1f} s")
            log.warning("%s: no more frames; reopening in %.1f s", self.name, wait)
            self._stop.wait(wait)

    def _pump(self, cap: Capture) -> int:
        """Read frames until the capture fails or we are stopped; returns how many."""
        period = 0.0
        if self._is_file and self._realtime:
            import cv2

            fps = cap.get(cv2.CAP_PROP_FPS)
            if 0 < fps <= MAX_FILE_FPS:
                period = 1.0 / fps
        count = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                ok, image = cap.read()
            except Exception as exc:
                log.warning("%s: read failed: %s", self.name, exc)
                break
            if not ok or image is None or not isinstance(image, np.ndarray) or image.size == 0:
                break
            self.slot.put(image)
            count += 1
            with self._lock:
                self._frames += 1
                self._last_frame_at = time.monotonic()
            if period:
                next_at += period
                delay = next_at - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_at = time.monotonic()  # we fell behind: do not try to catch up
        return count


def camera_for(source_text: str, *, width: int = 0, height: int = 0, realtime: bool = True, loop: bool = False,
               backoff: Backoff | None = None, stall_after_s: float = 5.0) -> CameraSource:
    """A CameraSource for a configured source string; a missing video file fails loudly."""
    source = parse_source(source_text)
    is_file = isinstance(source, str) and not is_url(source) and not source.startswith("/dev/")
    if is_file and not Path(str(source)).is_file():
        raise FileNotFoundError(f"camera.source: no video file at {source}")
    return CameraSource(opencv_opener(source, width, height, timeout_s=stall_after_s), name=describe(source),
                        is_file=is_file, realtime=realtime, loop=loop, backoff=backoff, stall_after_s=stall_after_s)
