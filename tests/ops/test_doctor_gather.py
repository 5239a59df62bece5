"""`kiosk doctor`'s probes on real parts: a video file through cv2.VideoCapture, a pty as the
serial port, a real Xvfb, a real SQLite store, real certificates in the trust folder."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Config, load_config
from kiosk.ops import probe_devices as dev
from kiosk.ops import probe_state as st
from kiosk.ops.checks import check_database, check_display, check_trust, check_uploads
from kiosk.ops.display import parse_xdpyinfo
from kiosk.store.db import open_store
from tests.ops.xserver import xvfb


def _cfg(tmp_path: Path, **settings: str) -> Config:
    env = {"KIOSK_STORE_DATA_DIR": str(tmp_path / "data")}
    env.update({"KIOSK_" + k.replace(".", "_").upper(): v for k, v in settings.items()})
    return load_config(env=env)


# ---- camera ---------------------------------------------------------------------------------


def _video(path: Path, frames: int, size: tuple[int, int] = (640, 480)) -> Path:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), i * 10 % 255, np.uint8))
    writer.release()
    return path


def test_camera_frames_arrive_from_a_real_capture(tmp_path: Path) -> None:
    video = _video(tmp_path / "gate.avi", 20)
    facts = dev.gather_camera(_cfg(tmp_path, **{"camera.source": str(video)}))
    assert facts.opened and facts.frames >= 3 and (facts.width, facts.height) == (640, 480)


def test_camera_that_delivers_one_frame_then_nothing(tmp_path: Path) -> None:
    video = _video(tmp_path / "short.avi", 1)
    facts = dev.gather_camera(_cfg(tmp_path, **{"camera.source": str(video)}))
    assert facts.opened and facts.frames == 1 and "no frame" in facts.error


def test_camera_that_does_not_open(tmp_path: Path) -> None:
    facts = dev.gather_camera(_cfg(tmp_path, **{"camera.source": str(tmp_path / "no-such-camera.avi")}))
    assert not facts.opened and "could not open" in facts.error


def test_a_hanging_driver_does_not_hang_doctor() -> None:
    release = threading.Event()

    class Hanging:  # a driver whose read() never returns (a wedged USB camera)
        def isOpened(self) -> bool:  # noqa: N802
            return True

        def read(self) -> tuple[bool, Any]:
            release.wait(30)
            return False, None

        def release(self) -> None:
            pass

    started = time.monotonic()
    facts = dev.probe_capture(Hanging, "camera device 0", timeout_s=0.5)
    release.set()
    assert time.monotonic() - started < 5
    assert facts.opened and facts.frames == 0 and "no answer" in facts.error


# ---- serial devices -------------------------------------------------------------------------


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _later(fd: int, data: bytes, delay: float = 0.3) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(delay), os.write(fd, data)))
    t.start()
    return t


def test_thermometer_reading_through_a_pty(tmp_path: Path, pty: tuple[int, str]) -> None:
    master, port = pty
    cfg = _cfg(tmp_path, **{"thermometer.kind": "serial", "thermometer.serial_port": port, "thermometer.read_timeout_s": "3"})
    sender = _later(master, b"T=36.52\r\n")
    facts = dev.gather_thermometer(cfg)
    sender.join()
    assert facts.present and facts.opened and facts.reading == "36.5 °C"


def test_thermometer_silent_and_missing(tmp_path: Path, pty: tuple[int, str]) -> None:
    _, port = pty
    silent = dev.gather_thermometer(_cfg(tmp_path, **{"thermometer.kind": "serial", "thermometer.serial_port": port,
                                                   "thermometer.read_timeout_s": "0.3"}))
    assert silent.opened and silent.waited and silent.reading is None
    missing = dev.gather_thermometer(_cfg(tmp_path, **{"thermometer.kind": "serial", "thermometer.serial_port": "/dev/ttyUSB99"}))
    assert not missing.present


def test_serial_scanner_waits_for_a_scan_and_never_keeps_the_code(tmp_path: Path, pty: tuple[int, str]) -> None:
    master, port = pty
    cfg = _cfg(tmp_path, **{"scanner.kind": "serial", "scanner.serial_port": port})
    sender = _later(master, b"HC1:SECRET-HEALTH-CODE\r\n", delay=0.5)
    facts = dev.gather_scanner(cfg, scan_wait_s=5.0)
    sender.join()
    assert facts.opened and facts.reading == "a code of 22 characters"
    assert "SECRET" not in repr(facts)
    no_wait = dev.gather_scanner(cfg)
    assert no_wait.opened and not no_wait.waited


def test_wedge_scanner_is_a_keyboard_device(tmp_path: Path) -> None:
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    cfg = _cfg(tmp_path)
    assert not dev.gather_scanner(cfg, input_dir=by_id).present
    (by_id / "usb-Honeywell_Scanner-event-kbd").touch()
    facts = dev.gather_scanner(cfg, input_dir=by_id)
    assert facts.present and facts.port == "usb-Honeywell_Scanner-event-kbd"


# ---- display --------------------------------------------------------------------------------


def test_display_from_a_real_x_server_without_kivy(tmp_path: Path) -> None:
    with xvfb(1080, 1920, dpi=160) as display:
        facts = dev.gather_display(_cfg(tmp_path), env={"DISPLAY": display})
    assert (facts.width, facts.height, facts.dpi) == (1080, 1920, 160.0)
    assert check_display(facts).ok and "portrait" in check_display(facts).summary


def test_display_falls_back_to_the_kernel_outputs(tmp_path: Path) -> None:
    drm = tmp_path / "drm"
    for name, status, modes in [("card0-HDMI-A-1", "disconnected", ""), ("card0-DSI-1", "connected", "800x1280\n640x480\n")]:
        (drm / name).mkdir(parents=True)
        (drm / name / "status").write_text(status + "\n")
        (drm / name / "modes").write_text(modes)
    facts = dev.gather_display(_cfg(tmp_path, **{"ui.display_dpi": "216"}), env={}, drm_dir=drm)
    assert (facts.width, facts.height) == (800, 1280) and facts.source.endswith("card0-DSI-1")
    assert check_display(facts).ok
    none = dev.gather_display(_cfg(tmp_path), env={"DISPLAY": ":999"}, drm_dir=tmp_path / "nothing")
    assert none.width == 0 and ":999" in none.error and not check_display(none).ok


def test_parse_xdpyinfo() -> None:
    text = "screen #0:\n  dimensions:    1280x800 pixels (339x212 millimeters)\n  resolution:    96x96 dots per inch\n"
    assert parse_xdpyinfo(text) == (1280, 800, 96.0)
    assert parse_xdpyinfo("nothing") is None


# ---- database, uploads, bundle --------------------------------------------------------------


def _store_with_records(cfg: Config, n: int) -> None:
    store = open_store(cfg.db_path)
    try:
        with store.writing() as w:
            for i in range(n):
                w.append("gate_entry", {"i": i})
    finally:
        store.close()


def test_healthy_store_and_pending_uploads(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _store_with_records(cfg, 5)
    database, bundle, uploads = st.gather_store(cfg)
    assert database.exists and database.records == 5 and database.problem is None
    assert not bundle.applied
    assert uploads.pending == 5 and uploads.parked == 0 and uploads.oldest_pending_at is not None
    assert check_uploads(uploads, datetime.now(UTC)).ok
    assert not check_uploads(uploads, datetime.now(UTC) + timedelta(hours=2)).ok
    # doctor only reads: it ran beside the kiosk's writer lock and wrote nothing
    store = open_store(cfg.db_path)
    store.close()


def test_a_record_missing_at_the_end_is_found(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _store_with_records(cfg, 3)
    conn = sqlite3.connect(cfg.db_path)
    conn.execute("pragma foreign_keys = off")
    conn.execute("delete from outbox where seq = 3")
    conn.execute("delete from journal where seq = 3")
    conn.commit()
    conn.close()
    database, _, _ = st.gather_store(cfg)
    assert database.problem and "up to 3" in database.problem
    assert not check_database(database).ok


def test_a_database_from_a_newer_kiosk_is_reported(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    _store_with_records(cfg, 1)
    conn = sqlite3.connect(cfg.db_path)
    conn.execute("insert into _sqlite_migrations (migration_set, name, applied_at) values ('kiosk', '9999_future', '2027-01-01')")
    conn.commit()
    conn.close()
    database, _, _ = st.gather_store(cfg)
    assert database.problem and "newer kiosk version" in database.problem


def test_no_database_is_not_created(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    database, _, _ = st.gather_store(cfg)
    assert not database.exists and not Path(cfg.db_path).exists()


# ---- trust list -----------------------------------------------------------------------------


def _certificate(folder: Path, name: str, days: int) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=300))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_signer_certificates_expiring_within_30_days(tmp_path: Path) -> None:
    trust_dir = tmp_path / "trust"
    trust_dir.mkdir()
    _certificate(trust_dir, "DSC-long", 400)
    cfg = _cfg(tmp_path, **{"codes.trust_dir": str(trust_dir)})
    assert check_trust(st.gather_trust(cfg), datetime.now(UTC)).ok
    _certificate(trust_dir, "DSC-soon", 12)
    check = check_trust(st.gather_trust(cfg), datetime.now(UTC))
    assert not check.ok and "CN=DSC-soon" in check.summary and "1 expire within 30 days" in check.summary
