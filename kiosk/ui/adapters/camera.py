"""The camera and the decode worker (kiosk.devices), attached to the screens.

The preview reads the newest frame from the camera's one-slot queue on the Kivy clock;
the decode worker hands codes to `on_code` on its own thread (the App re-schedules them
onto the Kivy thread). With no camera device and a demo video configured, the video
plays in a loop instead (the demo, `make run`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


class CameraFrames:
    """kiosk.ui.ports.FrameSource over a kiosk.devices.camera.CameraSource."""

    def __init__(self, camera: Any) -> None:
        self.camera = camera

    def latest(self) -> tuple[int, np.ndarray] | None:
        frame = self.camera.slot.latest()
        return None if frame is None else (frame.seq, frame.image)

    def state(self) -> str:
        status = str(self.camera.status)
        return "ok" if status in ("live", "ended") else status


def camera_source_text(cfg: Any) -> tuple[str, bool]:
    """(source, loop): a device index with no such device falls back to ui.demo_video."""
    source = str(cfg["camera.source"]).strip()
    demo = str(cfg["ui.demo_video"]).strip()
    if source.isdigit() and not Path(f"/dev/video{source}").exists() and demo:
        log.warning("no camera at /dev/video%s: showing the demo video %s", source, demo)
        return demo, True
    return source, bool(cfg["camera.file_loop"])


def attach_devices(cfg: Any, services: Any) -> None:
    if cfg["camera.kind"] != "opencv":
        return
    from kiosk.devices.camera import camera_for
    from kiosk.devices.decoder import DecodePipeline
    from kiosk.devices.feed import CodeFeed
    from kiosk.devices.worker import DecodeWorker

    source, loop = camera_source_text(cfg)
    try:
        camera = camera_for(
            source, width=cfg["camera.width"], height=cfg["camera.height"], realtime=cfg["camera.file_realtime"],
            loop=loop, stall_after_s=cfg["camera.stall_after_s"],
        )
    except (FileNotFoundError, ValueError) as exc:
        log.error("camera not usable: %s", exc)  # the status bar shows "camera not working"
        return
    decoder = DecodePipeline(cfg["decoder.backend"], cfg["decoder.gray"], cfg["decoder.max_side"])
    holder: dict[str, Any] = {}

    def start(on_code: Callable[[str, str], None]) -> None:
        feed = CodeFeed(on_code, cfg["decoder.duplicate_window_s"])
        holder["feed"] = feed
        holder["worker"] = DecodeWorker(camera, decoder, feed=feed).start()
        camera.start()

    def stop() -> None:
        if "worker" in holder:
            holder["worker"].stop()
        camera.stop()

    services.frames = CameraFrames(camera)
    services.start, services.stop = start, stop
    services.extra["camera"] = camera
    services.extra["feed"] = holder
