"""Build the input devices from the settings; a wrong setting fails loudly at start.

The UI's one call:

    devices = make_devices(cfg, on_code)   # on_code(payload, origin) runs on a device thread
    devices.start()
    ... devices.camera.latest(), devices.camera.state, devices.handle_key(key, time.monotonic()) ...
    devices.stop()

Real and stand-in devices are picked here only: camera.kind = opencv | synthetic | none,
scanner.kind = wedge | serial | none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.config import ConfigError
from kiosk.devices.camera import CameraSource, camera_for
from kiosk.devices.decoder import DecodePipeline
from kiosk.devices.feed import CodeFeed, OnCode
from kiosk.devices.serial_scanner import SerialScanner
from kiosk.devices.wedge import WedgeEvent, WedgeReader, WedgeSettings
from kiosk.devices.worker import DecodeWorker
from sync.common.backoff import Backoff


class DeviceConfigError(ConfigError):
    """A device setting that cannot work; names the setting and the reason."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__("devices", key, reason)


def _choice(cfg: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = cfg[key]
    if value not in allowed:
        raise DeviceConfigError(key, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _backoff(cfg: Mapping[str, Any]) -> Backoff:
    try:
        return Backoff(cfg["camera.reconnect_min_s"], cfg["camera.reconnect_max_s"])
    except ValueError as exc:
        raise DeviceConfigError("camera.reconnect_max_s", str(exc)) from None


def make_decoder(cfg: Mapping[str, Any]) -> DecodePipeline:
    backend = _choice(cfg, "decoder.backend", ("zxing", "pyzbar"))
    gray = _choice(cfg, "decoder.gray", ("min", "luma"))
    try:
        return DecodePipeline(backend, gray, cfg["decoder.max_side"], cfg["decoder.sharpen_retry"])
    except (ImportError, OSError) as exc:  # e.g. libzbar0 not installed
        raise DeviceConfigError("decoder.backend", f"{backend} cannot be loaded: {exc}") from None


def make_camera(cfg: Mapping[str, Any]) -> CameraSource | None:
    kind = _choice(cfg, "camera.kind", ("opencv", "synthetic", "none"))
    if kind == "none":
        return None
    if kind == "synthetic":
        from kiosk.devices.fake_camera import synthetic_camera

        return synthetic_camera(backoff=_backoff(cfg))
    backoff = _backoff(cfg)
    try:
        return camera_for(cfg["camera.source"], width=cfg["camera.width"], height=cfg["camera.height"],
                          realtime=cfg["camera.file_realtime"], loop=cfg["camera.file_loop"],
                          backoff=backoff, stall_after_s=cfg["camera.stall_after_s"])
    except (ValueError, FileNotFoundError) as exc:
        raise DeviceConfigError("camera.source", str(exc)) from None


def wedge_settings(cfg: Mapping[str, Any]) -> WedgeSettings:
    try:
        return WedgeSettings(prefix=cfg["scanner.prefix"], suffix=cfg["scanner.suffix"],
                             max_gap_s=cfg["scanner.max_key_gap_ms"] / 1000.0, min_length=cfg["scanner.min_length"])
    except ValueError as exc:
        raise DeviceConfigError("scanner.prefix", str(exc)) from None


def make_wedge(cfg: Mapping[str, Any]) -> WedgeReader | None:
    if _choice(cfg, "scanner.kind", ("wedge", "serial", "none")) != "wedge":
        return None
    return WedgeReader(wedge_settings(cfg))


def make_serial_scanner(cfg: Mapping[str, Any], feed: CodeFeed) -> SerialScanner | None:
    if _choice(cfg, "scanner.kind", ("wedge", "serial", "none")) != "serial":
        return None
    try:
        return SerialScanner(cfg["scanner.serial_port"], feed.offer, baudrate=cfg["scanner.serial_baud"],
                             suffix=cfg["scanner.suffix"], backoff=_backoff(cfg))
    except ValueError as exc:
        raise DeviceConfigError("scanner.serial_port", str(exc)) from None


@dataclass
class Devices:
    """Everything that produces codes, sharing one duplicate window."""

    feed: CodeFeed
    camera: CameraSource | None
    worker: DecodeWorker | None
    wedge: WedgeReader | None  # the UI feeds key events here and offers scans to `feed`
    serial: SerialScanner | None

    def offer_wedge_scan(self, payload: str) -> bool:
        return self.feed.offer(payload, "wedge")

    def handle_key(self, key: str, at: float) -> list[WedgeEvent]:
        """Feed one key event (Kivy thread, at = time.monotonic()); scans go to the feed.

        Returns what belongs to the focused form field: `typed` text and named `key`s.
        With no wedge scanner configured every key is returned as typed.
        """
        if self.wedge is None:
            return [WedgeEvent("typed", key) if len(key) == 1 else WedgeEvent("key", key)]
        return self._pass_on(self.wedge.feed(key, at))

    def poll_keys(self, at: float) -> list[WedgeEvent]:
        """Call from a Kivy Clock (every ~20 ms): releases held keys that were typing after all."""
        return [] if self.wedge is None else self._pass_on(self.wedge.poll(at))

    def _pass_on(self, events: list[WedgeEvent]) -> list[WedgeEvent]:
        rest = []
        for ev in events:
            if ev.kind == "scan":
                self.feed.offer(ev.text, "wedge")
            else:
                rest.append(ev)
        return rest

    def start(self) -> Devices:
        for part in (self.camera, self.worker, self.serial):
            if part is not None:
                part.start()
        return self

    def stop(self) -> None:
        for part in (self.worker, self.camera, self.serial):
            if part is not None:
                part.stop()


def make_devices(cfg: Mapping[str, Any], on_code: OnCode) -> Devices:
    """All input devices from the settings (not started). Raises DeviceConfigError."""
    feed = CodeFeed(on_code, cfg["decoder.duplicate_window_s"])
    camera = make_camera(cfg)
    worker = DecodeWorker(camera, make_decoder(cfg), feed=feed) if camera is not None else None
    return Devices(feed, camera, worker, make_wedge(cfg), make_serial_scanner(cfg, feed))
