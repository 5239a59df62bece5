"""The input devices (kiosk.devices: camera, decoder, scanners) attached to the screens.

The preview reads the newest frame from the camera's one-slot queue on the Kivy clock;
the decode worker and scanners hand codes to `on_code` on their own threads (the App
re-schedules them onto the Kivy thread). With no camera device and a demo video
configured, the video plays in a loop instead (the demo, `make run`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kiosk.config import Config
from kiosk.ui.ports import FrameSource, OnCard, OnCode

if TYPE_CHECKING:  # the devices package pulls in OpenCV: imported when the devices start
    from kiosk.devices.camera import CameraSource
    from kiosk.devices.factory import Devices
    from kiosk.devices.id_reader import FakeIdCardReader, SerialIdCardReader

log = logging.getLogger(__name__)


class CameraFrames:
    """kiosk.ui.ports.FrameSource over a kiosk.devices.camera.CameraSource."""

    def __init__(self, camera: CameraSource) -> None:
        self.camera = camera

    def latest(self) -> tuple[int, np.ndarray] | None:
        frame = self.camera.slot.latest()
        return None if frame is None else (frame.seq, frame.image)

    def state(self) -> str:
        status = str(self.camera.status)
        return "ok" if status in ("live", "ended") else status


def with_demo_fallback(cfg: Config) -> Config:
    """A device-index camera that is not there is replaced by ui.demo_video (looped)."""
    source = str(cfg["camera.source"]).strip()
    demo = str(cfg["ui.demo_video"]).strip()
    if cfg["camera.kind"] == "opencv" and source.isdigit() and not Path(f"/dev/video{source}").exists() and demo:
        log.warning("no camera at /dev/video%s: showing the demo video %s", source, demo)
        return cfg.replace(camera__source=demo, camera__file_loop=True, camera__file_realtime=True)
    return cfg


class DeviceHub:
    """kiosk.ui.ports.InputDevices: owns kiosk.devices.factory.Devices once started; forwards
    hardware-keyboard keys."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = with_demo_fallback(cfg)
        self.devices: Devices | None = None
        self.id_reader: SerialIdCardReader | FakeIdCardReader | None = None
        self._frames = _LazyFrames(self)

    @property
    def frames(self) -> FrameSource:
        return self._frames

    def start(self, on_code: OnCode, on_card: OnCard) -> None:
        from kiosk.devices.factory import make_devices
        from kiosk.devices.id_reader import make_id_reader

        self.devices = make_devices(self.cfg, on_code).start()
        self.id_reader = make_id_reader(self.cfg, on_card)
        if self.id_reader is not None:
            self.id_reader.start()

    def stop(self) -> None:
        if self.devices is not None:
            self.devices.stop()
        if self.id_reader is not None:
            self.id_reader.stop()

    def key(self, key: str) -> None:
        """A key from the hardware keyboard while no field has focus: a wedge scanner types here."""
        if self.devices is not None:
            self.devices.handle_key(key, time.monotonic())

    def poll_keys(self) -> None:
        if self.devices is not None:
            self.devices.poll_keys(time.monotonic())


def make_device_hub(cfg: Config) -> DeviceHub:
    """Camera preview, decode worker and scanners, as the settings say (fails loudly on bad ones)."""
    from kiosk.devices.factory import make_camera

    hub = DeviceHub(cfg)
    make_camera(hub.cfg)  # a wrong camera setting stops the start here, with the key and the reason
    return hub


class _LazyFrames:
    """The preview's frame source; the camera exists once the devices are started."""

    def __init__(self, hub: DeviceHub) -> None:
        self.hub = hub

    def latest(self) -> tuple[int, np.ndarray] | None:
        cam = self.hub.devices.camera if self.hub.devices is not None else None
        return None if cam is None else CameraFrames(cam).latest()

    def state(self) -> str:
        cam = self.hub.devices.camera if self.hub.devices is not None else None
        return "off" if cam is None else CameraFrames(cam).state()
