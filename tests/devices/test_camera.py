"""Camera input end to end: video files written here, read back through cv2.VideoCapture,
the capture thread, the one-slot queue and the decode worker, to payloads."""

from __future__ import annotations

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from kiosk.devices import synth
from kiosk.devices.camera import CameraSource, CameraStatus, camera_for, describe, opencv_opener, parse_source
from kiosk.devices.decoder import DecodePipeline
from kiosk.devices.frames import FrameSlot
from kiosk.devices.worker import DecodeWorker
from sync.common.backoff import Backoff

W, H = 640, 480
CODE_A = "https://jkm.example.gov.cn/v?t=Aa1Bb2Cc3Dd4Ee5"
CODE_B = "HC1:" + "NCFOXN%TSMAHN-H" * 8


def _code_card(payload: str, px: int = 4) -> np.ndarray:
    m = synth.qr_matrix(payload)
    img = np.where(m == 1, 20, 245).astype(np.uint8)
    return cv2.cvtColor(cv2.resize(img, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST), cv2.COLOR_GRAY2BGR)


def _scene(background: np.ndarray, card: np.ndarray | None, t: float) -> np.ndarray:
    """The card at position t (0..1) across the picture, turning and tilting as it goes."""
    frame = background.copy()
    if card is None:
        return frame
    h, w = card.shape[:2]
    cx, cy = 120 + t * (W - 240), H / 2 + 40 * np.sin(t * np.pi)
    angle, tilt = np.deg2rad(-15 + 30 * t), 0.25 * t
    half = np.float32([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]]) * 0.75
    half[1:3, 1] *= 1 - tilt  # the right edge further away
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (half @ rot.T + np.float32([cx, cy])).astype(np.float32)
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), dst)
    warped = cv2.warpPerspective(card, m, (W, H))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (W, H)) > 127
    frame[mask] = warped[mask]
    return frame


def write_video(path: Path, script: list[tuple[str | None, int]], fps: float = 60.0, fourcc: str = "MJPG") -> int:
    """Write a video: for each (payload or None, frames) the code crosses the picture."""
    rng = np.random.default_rng(5)
    background = cv2.resize(rng.integers(60, 200, (12, 16, 3), dtype=np.uint8), (W, H), interpolation=cv2.INTER_NEAREST)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} here"
    total = 0
    for payload, count in script:
        card = _code_card(payload) if payload else None
        for i in range(count):
            writer.write(_scene(background, card, i / max(count - 1, 1)))
            total += 1
    writer.release()
    return total


def wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture(scope="module")
def gate_video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A comes, leaves for a moment, comes back; then B; then nobody."""
    path = tmp_path_factory.mktemp("video") / "gate.avi"
    frames = write_video(path, [(None, 8), (CODE_A, 30), (None, 6), (CODE_A, 20), (CODE_B, 30), (None, 8)])
    return path, frames


@pytest.mark.parametrize("backend", ["zxing", "pyzbar"])
def test_codes_in_a_video_reach_the_callback_once_each_in_order(gate_video: tuple[Path, int], backend: str) -> None:
    path, written = gate_video
    seen: list[tuple[str, str, str]] = []
    camera = camera_for(str(path), realtime=True)
    worker = DecodeWorker(camera, DecodePipeline(backend), lambda p, o: seen.append((p, o, threading.current_thread().name)), 3.0)
    worker.start()
    camera.start()
    try:
        assert wait_for(lambda: camera.status is CameraStatus.ENDED, 15), camera.state
        time.sleep(0.3)  # let the worker finish the last frame
    finally:
        camera.stop()
        worker.stop()
    assert [(p, o) for p, o, _ in seen] == [(CODE_A, "camera"), (CODE_B, "camera")]
    assert {t for *_, t in seen} == {"decode"}, "on_code runs on the decode worker's thread"
    assert camera.state.frames == written
    assert worker.frames_decoded > written // 4
    assert camera.latest() is not None and camera.latest().shape == (H, W, 3)


def test_a_lost_camera_is_reopened_with_backoff_and_frames_flow_again(tmp_path: Path) -> None:
    video = tmp_path / "short.avi"
    written = write_video(video, [(CODE_A, 10)])
    attempts: list[str] = []

    def opener() -> Any:
        attempts.append("open")
        if len(attempts) in (1, 2):
            return cv2.VideoCapture(str(tmp_path / "not-there.avi"))  # the camera is unplugged
        if len(attempts) == 3:
            raise RuntimeError("driver exploded")
        return cv2.VideoCapture(str(video))  # plugged in again (a live camera "ends" = is lost)

    statuses: set[CameraStatus] = set()
    camera = CameraSource(opener, name="gate camera", backoff=Backoff(0.02, 0.1), stall_after_s=5)
    camera.start()
    try:
        assert wait_for(lambda: statuses.add(camera.status) or camera.state.frames >= 2 * written, 10)
        assert camera.running
    finally:
        camera.stop()
    assert CameraStatus.RECONNECTING in statuses
    assert camera.state.reconnects >= 1
    assert camera.status is CameraStatus.STOPPED


class _StallingCapture:
    """A camera that delivers one frame and then hangs in read()."""

    def __init__(self) -> None:
        self.reads = 0
        self.released = threading.Event()

    def isOpened(self) -> bool:  # noqa: N802
        return True

    def read(self) -> tuple[bool, Any]:
        self.reads += 1
        if self.reads > 1:
            self.released.wait(2.0)
            return False, None
        return True, np.zeros((10, 10, 3), np.uint8)

    def release(self) -> None:
        self.released.set()

    def get(self, prop_id: int) -> float:
        return 0.0


def test_a_camera_that_stops_delivering_shows_as_stalled() -> None:
    cap = _StallingCapture()
    camera = CameraSource(lambda: cap, backoff=Backoff(0.05, 0.1), stall_after_s=0.3)
    camera.start()
    try:
        assert wait_for(lambda: camera.status is CameraStatus.STALLED, 3)
    finally:
        cap.released.set()
        camera.stop()


def test_video_file_paced_at_its_frame_rate(tmp_path: Path) -> None:
    video = tmp_path / "paced.mp4"
    written = write_video(video, [(None, 30)], fps=60.0, fourcc="mp4v")
    for realtime, low, high in ((True, 0.4, 3.0), (False, 0.0, 0.4)):
        camera = camera_for(str(video), realtime=realtime)
        started = time.monotonic()
        camera.start()
        assert wait_for(lambda c=camera: c.status is CameraStatus.ENDED, 10)
        elapsed = time.monotonic() - started
        camera.stop()
        assert camera.state.frames == written
        assert low <= elapsed <= high, f"realtime={realtime}: {elapsed:.2f} s for {written} frames at 60 fps"


def test_frame_slot_keeps_only_the_newest() -> None:
    slot = FrameSlot()
    assert slot.latest() is None and slot.wait_newer(0, 0.01) is None
    for i in range(3):
        slot.put(np.full((2, 2), i, np.uint8))
    frame = slot.wait_newer(0, 0.01)
    assert frame is not None and frame.seq == 3 and int(frame.image[0, 0]) == 2
    assert slot.dropped == 2
    assert slot.wait_newer(3, 0.02) is None
    threading.Timer(0.05, lambda: slot.put(np.zeros((2, 2), np.uint8))).start()
    woke = slot.wait_newer(3, 2.0)
    assert woke is not None and woke.seq == 4


@pytest.mark.parametrize(("failures", "expected"), [(1, 0.5), (2, 1.0), (4, 4.0), (7, 30.0), (501, 30.0)])
def test_backoff_doubles_up_to_its_ceiling(failures: int, expected: float) -> None:
    assert Backoff(0.5, 30.0).ceiling(failures) == expected


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(5.0, 1.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), (" 2 ", 2), ("/srv/gate.mp4", "/srv/gate.mp4"), ("rtsp://cam/stream", "rtsp://cam/stream")],
)
def test_parse_source(text: str, expected: int | str) -> None:
    assert parse_source(text) == expected


def test_source_errors_and_descriptions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="camera.source is empty"):
        parse_source("  ")
    with pytest.raises(FileNotFoundError, match="no video file"):
        camera_for(str(tmp_path / "missing.mp4"))
    assert describe("rtsp://admin:secret@10.0.0.5/live") == "rtsp://***@10.0.0.5/live"
    assert describe(0) == "camera device 0"


def test_an_unreachable_ip_camera_reconnects_instead_of_hanging() -> None:
    camera = CameraSource(opencv_opener("rtsp://127.0.0.1:9/none", timeout_s=0.5), name="ip camera",
                          backoff=Backoff(0.05, 0.1))
    camera.start()
    try:
        assert wait_for(lambda: camera.status is CameraStatus.RECONNECTING, 10), camera.state
        assert "cannot open" in camera.state.detail
    finally:
        camera.stop(timeout=3)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_an_http_ip_camera_is_decoded_and_a_lost_server_shows_as_reconnecting(gate_video: tuple[Path, int]) -> None:
    """An IP camera over HTTP (a real server on 127.0.0.1 serving the video stream)."""
    path, written = gate_video
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(path.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
    seen: list[str] = []
    camera = camera_for(url, stall_after_s=2.0, backoff=Backoff(0.05, 0.2))
    worker = DecodeWorker(camera, DecodePipeline(), lambda p, o: seen.append(p), 3.0).start()
    camera.start()
    try:
        # A network stream that ends is a lost camera: it is reopened, so the frames keep coming.
        assert wait_for(lambda: camera.state.frames > written and camera.state.reconnects >= 1 and len(seen) >= 2, 20), camera.state
        assert seen[:2] == [CODE_A, CODE_B]
        server.shutdown()
        server.server_close()
        assert wait_for(lambda: camera.status is CameraStatus.RECONNECTING and "cannot open" in camera.state.detail, 20)
        assert camera.latest() is None, "a lost camera must not keep showing its last picture"
    finally:
        camera.stop(timeout=5)
        worker.stop()
