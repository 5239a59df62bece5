"""The device factory: settings pick real or stand-in devices; wrong settings fail loudly."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, load_config
from kiosk.devices.camera import CameraStatus
from kiosk.devices.decoder import PyzbarBackend, ZxingBackend
from kiosk.devices.factory import (
    DeviceConfigError,
    make_camera,
    make_decoder,
    make_devices,
    make_serial_scanner,
    make_wedge,
)
from kiosk.devices.feed import CodeFeed
from kiosk.devices.serial_scanner import ScannerStatus


def settings(cfg: Config, **changes: object) -> dict[str, object]:
    """The settings as a plain mapping, bypassing validation to reach the factory's own checks."""
    values = dict(cfg)
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return values


def test_defaults_are_the_measured_choice(cfg: Config) -> None:
    dec = make_decoder(cfg)
    assert isinstance(dec.backend, ZxingBackend) and dec.gray == "min"
    assert isinstance(make_decoder(cfg.replace(decoder__backend="pyzbar")).backend, PyzbarBackend)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"camera__kind": "usb"}, "camera.kind"),
        ({"decoder__backend": "opencv"}, "decoder.backend"),
        ({"decoder__gray": "hsv"}, "decoder.gray"),
        ({"scanner__kind": "bluetooth"}, "scanner.kind"),
        ({"camera__source": "   "}, "camera.source"),
        ({"camera__source": "/no/such/gate.mp4"}, "camera.source"),
        ({"scanner__kind": "serial", "scanner__serial_port": ""}, "scanner.serial_port"),
        ({"scanner__prefix": "\n"}, "scanner.prefix"),
        ({"camera__reconnect_min_s": 10.0, "camera__reconnect_max_s": 1.0}, "camera.reconnect_max_s"),
    ],
    ids=str,
)
def test_wrong_device_settings_fail_loudly_naming_the_setting(cfg: Config, changes: dict, key: str) -> None:
    values = settings(cfg, **changes)
    with pytest.raises(DeviceConfigError) as err:
        feed = CodeFeed(lambda p, o: None, 1.0)
        make_decoder(values)
        make_camera(values)
        make_wedge(values)
        make_serial_scanner(values, feed)
    assert err.value.key == key
    assert isinstance(err.value, ConfigError)  # `kiosk` prints it as a bad setting and exits 2


def test_settings_file_rejects_unknown_kinds_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[camera]\nkind = "webcam"\n')
    with pytest.raises(ConfigError, match="camera.kind"):
        load_config(bad, env={})


def test_none_kinds_build_nothing(cfg: Config) -> None:
    devices = make_devices(cfg.replace(camera__kind="none", scanner__kind="none"), lambda p, o: None)
    assert devices.camera is None and devices.worker is None and devices.wedge is None and devices.serial is None
    devices.start().stop()


def test_wedge_settings_come_from_the_config(cfg: Config) -> None:
    wedge = make_wedge(cfg.replace(scanner__prefix="~", scanner__max_key_gap_ms=25, scanner__min_length=8))
    assert wedge is not None
    assert (wedge.settings.prefix, wedge.settings.max_gap_s, wedge.settings.min_length) == ("~", 0.025, 8)


def test_synthetic_camera_drives_the_real_pipeline_to_a_code(cfg: Config) -> None:
    got: list[tuple[str, str]] = []
    arrived = threading.Event()
    devices = make_devices(cfg.replace(camera__kind="synthetic", scanner__kind="none"),
                           lambda p, o: (got.append((p, o)), arrived.set()))
    assert devices.camera is not None and devices.worker is not None
    devices.start()
    try:
        assert arrived.wait(20), devices.camera.state
        assert devices.camera.status is CameraStatus.LIVE
        assert devices.camera.latest() is not None
    finally:
        devices.stop()
    assert got[0][0].startswith("https://jkm.example.gov.cn/v?t=") and got[0][1] == "camera"


def test_wedge_scans_and_camera_share_one_duplicate_window(cfg: Config) -> None:
    got: list[tuple[str, str]] = []
    devices = make_devices(cfg.replace(camera__kind="none"), lambda p, o: got.append((p, o)))
    assert devices.offer_wedge_scan("HC1:SAME")
    assert not devices.feed.offer("HC1:SAME", "camera")
    assert got == [("HC1:SAME", "wedge")]


def test_serial_scanner_from_settings_reads_a_pty(cfg: Config) -> None:
    master, slave = os.openpty()
    got: list[tuple[str, str]] = []
    arrived = threading.Event()
    devices = make_devices(
        cfg.replace(camera__kind="none", scanner__kind="serial", scanner__serial_port=os.ttyname(slave),
                    scanner__serial_baud=115200),
        lambda p, o: (got.append((p, o)), arrived.set()),
    )
    assert devices.serial is not None and devices.wedge is None
    devices.start()
    try:
        for _ in range(200):
            if devices.serial.status is ScannerStatus.CONNECTED:
                break
            threading.Event().wait(0.01)
        os.write(master, b"HCN1:serial-code\r\n")
        assert arrived.wait(5)
    finally:
        devices.stop()
        os.close(master)
        os.close(slave)
    assert got == [("HCN1:serial-code", "serial")]


def test_handle_key_sends_scans_to_the_feed_and_returns_typing(cfg: Config) -> None:
    got: list[tuple[str, str]] = []
    devices = make_devices(cfg.replace(camera__kind="none"), lambda p, o: got.append((p, o)))
    typed = []
    for i, ch in enumerate("HC1:KEYBOARD\n"):
        typed += devices.handle_key(ch, 10.0 + i * 0.003)
    for i, ch in enumerate("36.6"):
        typed += devices.handle_key(ch, 20.0 + i * 0.25)
    typed += devices.poll_keys(30.0)
    typed += devices.handle_key("backspace", 31.0)
    assert got == [("HC1:KEYBOARD", "wedge")]
    assert [(e.kind, e.text) for e in typed] == [("typed", "3"), ("typed", "6"), ("typed", "."), ("typed", "6"),
                                                 ("key", "backspace")]
    plain = make_devices(cfg.replace(camera__kind="none", scanner__kind="none"), lambda p, o: None)
    assert [(e.kind, e.text) for e in plain.handle_key("7", 0.0)] == [("typed", "7")]
