"""`kiosk doctor` verdicts, by tables of facts (kiosk/ops/checks.py is pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.ops.checks import (
    GIB,
    check_bundle,
    check_camera,
    check_clock,
    check_database,
    check_disk,
    check_display,
    check_scanner,
    check_server,
    check_thermometer,
    check_trust,
    check_uploads,
    diagnose,
)
from kiosk.ops.facts import (
    HEADLESS,
    BundleFacts,
    CameraFacts,
    DatabaseFacts,
    DiskFacts,
    DisplayFacts,
    Facts,
    PortFacts,
    ServerFacts,
    SignerCert,
    TrustFacts,
    UploadFacts,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (CameraFacts("none"), True, "camera.kind = none"),
        (CameraFacts(HEADLESS), True, "headless"),
        (CameraFacts("opencv", "camera device 0", error="cv2.VideoCapture could not open it"), False, "does not open"),
        (CameraFacts("opencv", "camera device 0", opened=True, frames=1, width=1280, height=720), False, "delivered 1 frame"),
        (CameraFacts("opencv", "camera device 0", opened=True, frames=0, error="no answer within 5 s"), False, "no answer"),
        (CameraFacts("opencv", "camera device 0", opened=True, frames=5, width=1280, height=720), True, "1280×720"),
    ],
)
def test_camera(facts: CameraFacts, ok: bool, words: str) -> None:
    check = check_camera(facts)
    assert check.ok is ok and words in check.summary
    assert bool(check.fix) is not ok  # a ✗ always says what to do, a ✔ never nags


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (PortFacts("none"), True, "scanner.kind = none"),
        (PortFacts("wedge", present=False), False, "no USB keyboard"),
        (PortFacts("wedge", "usb-Honeywell-event-kbd", present=True), True, "usb-Honeywell"),
        (PortFacts("serial", "/dev/ttyACM0"), False, "is not there"),
        (PortFacts("serial", "/dev/ttyACM0", True, False, error="permission denied"), False, "permission denied"),
        (PortFacts("serial", "/dev/ttyACM0", True, True), True, "no reading asked for"),
        (PortFacts("serial", "/dev/ttyACM0", True, True, waited=True), False, "sent no reading"),
        (PortFacts("serial", "/dev/ttyACM0", True, True, "a code of 40 characters", waited=True), True, "40 characters"),
    ],
)
def test_scanner(facts: PortFacts, ok: bool, words: str) -> None:
    check = check_scanner(facts)
    assert check.ok is ok and words in check.summary
    assert bool(check.fix) is not ok


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (PortFacts("keypad"), True, "typed by the guard"),
        (PortFacts("fake"), False, "demo only"),
        (PortFacts("serial", "/dev/ttyUSB0"), False, "is not there"),
        (PortFacts("serial", "/dev/ttyUSB0", True, True, None, waited=True), False, "sent no reading"),
        (PortFacts("serial", "/dev/ttyUSB0", True, True, "36.5 °C", waited=True), True, "36.5 °C"),
    ],
)
def test_thermometer(facts: PortFacts, ok: bool, words: str) -> None:
    check = check_thermometer(facts)
    assert check.ok is ok and words in check.summary
    assert bool(check.fix) is not ok


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (DisplayFacts(needed=False), True, "headless"),
        (DisplayFacts(error="DISPLAY is not set"), False, "DISPLAY is not set"),
        (DisplayFacts(1080, 1920, 96.0, source="X display :0"), True, "1080×1920 portrait, 96 dpi"),
        (DisplayFacts(1280, 800, 96.0, source="X display :0"), True, "landscape"),
        (DisplayFacts(800, 1280, None, 160.0, source="/sys/class/drm/card0-DSI-1"), True, "160 dpi (ui.display_dpi)"),
        (DisplayFacts(1920, 1080, None, source="/sys/class/drm/card0-HDMI-A-1"), False, "dpi unknown"),
        (DisplayFacts(1024, 600, 96.0, source="X display :0"), False, "1024×600"),
    ],
)
def test_display(facts: DisplayFacts, ok: bool, words: str) -> None:
    check = check_display(facts)
    assert check.ok is ok and words in check.summary
    assert bool(check.fix) is not ok


@pytest.mark.parametrize(
    ("free", "total", "ok"),
    [(10 * GIB, 32 * GIB, True), (GIB // 2, 32 * GIB, False), (2 * GIB, 100 * GIB, False), (2 * GIB, 8 * GIB, True)],
)
def test_disk(free: int, total: int, ok: bool) -> None:
    assert check_disk(DiskFacts("/data", free, total)).ok is ok


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (DatabaseFacts("/d/kiosk.db", False), False, "no database"),
        (DatabaseFacts("/d/kiosk.db", True, 10, "quick_check: page 3 is never used"), False, "page 3"),
        (DatabaseFacts("/d/kiosk.db", True, 10), True, "10 records"),
    ],
)
def test_database(facts: DatabaseFacts, ok: bool, words: str) -> None:
    check = check_database(facts)
    assert check.ok is ok and words in check.summary


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (ServerFacts(False), False, "not enrolled"),
        (ServerFacts(True, "https://c", "dev1", None, "connection refused"), False, "does not answer"),
        (ServerFacts(True, "https://c", "dev1", 401, "HTTP 401 device-disabled: disabled"), False, "refuses device dev1"),
        (ServerFacts(True, "https://c", "dev1", 503, "HTTP 503"), False, "HTTP 503"),
        (ServerFacts(True, "https://c", "dev1", 304, "", 0.2), True, "enrolled"),
        (ServerFacts(True, "https://c", "dev1", 200, "", 0.2), True, "enrolled"),
    ],
)
def test_server(facts: ServerFacts, ok: bool, words: str) -> None:
    check = check_server(facts)
    assert check.ok is ok and words in check.summary


@pytest.mark.parametrize(
    ("skew", "ok", "words"),
    [(None, False, "not measured"), (3.0, True, "3.0 s behind"), (-3.0, True, "ahead of"), (600.0, False, "600.0 s behind"),
     (-121.0, False, "121.0 s ahead")],
)
def test_clock(skew: float | None, ok: bool, words: str) -> None:
    check = check_clock(ServerFacts(True, skew_s=skew), warn_s=120)
    assert check.ok is ok and words in check.summary


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (BundleFacts(False), False, "no bundle"),
        (BundleFacts(True, NOW - timedelta(days=3), None), False, "never confirmed"),
        (BundleFacts(True, NOW - timedelta(days=3), NOW - timedelta(minutes=5)), True, "5 min ago"),
        (BundleFacts(True, NOW - timedelta(days=3), NOW - timedelta(hours=30)), False, "30 h ago"),
    ],
)
def test_bundle(facts: BundleFacts, ok: bool, words: str) -> None:
    check = check_bundle(facts, NOW)
    assert check.ok is ok and words in check.summary


def _cert(days: float, subject: str = "CN=DSC") -> SignerCert:
    return SignerCert(subject, NOW + timedelta(days=days))


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (TrustFacts(error="bundle 3: 'trust' is not an object"), False, "unusable"),
        (TrustFacts(()), True, "no signer certificates"),
        (TrustFacts((_cert(400), _cert(31))), True, "none expires within 30 days"),
        (TrustFacts((_cert(400), _cert(29, "CN=soon"))), False, "1 expire within 30 days (first CN=soon"),
        (TrustFacts((_cert(400), _cert(-1))), False, "1 expired"),
        (TrustFacts((_cert(-2), _cert(10, "CN=a"), _cert(5, "CN=b"))), False, "1 expired, 2 expire within 30 days (first CN=b"),
    ],
)
def test_trust(facts: TrustFacts, ok: bool, words: str) -> None:
    check = check_trust(facts, NOW)
    assert check.ok is ok and words in check.summary


@pytest.mark.parametrize(
    ("facts", "ok", "words"),
    [
        (UploadFacts(0, 0), True, "0 pending, none parked"),
        (UploadFacts(40, 0, NOW - timedelta(minutes=10)), True, "40 pending"),
        (UploadFacts(40, 0, NOW - timedelta(hours=3), "no answer from the server"), False, "the oldest for 3 h: no answer"),
        (UploadFacts(0, 2), False, "2 record(s) parked"),
    ],
)
def test_uploads(facts: UploadFacts, ok: bool, words: str) -> None:
    check = check_uploads(facts, NOW)
    assert check.ok is ok and words in check.summary


def _healthy() -> Facts:
    return Facts(
        now=NOW,
        camera=CameraFacts("opencv", "camera device 0", True, 5, 1280, 720),
        scanner=PortFacts("wedge", "usb-scanner-event-kbd", present=True),
        thermometer=PortFacts("keypad"),
        display=DisplayFacts(1080, 1920, 96.0, source="X display :0"),
        disk=DiskFacts("/data", 20 * GIB, 32 * GIB),
        database=DatabaseFacts("/data/kiosk.db", True, 100),
        server=ServerFacts(True, "https://c", "dev1", 304, "", 0.4),
        bundle=BundleFacts(True, NOW - timedelta(days=1), NOW - timedelta(minutes=3)),
        trust=TrustFacts((_cert(300),)),
        uploads=UploadFacts(2, 0, NOW - timedelta(seconds=20)),
    )


def test_report_is_ok_only_when_every_line_is() -> None:
    healthy = diagnose(_healthy())
    assert healthy.ok and len(healthy.checks) == 11
    assert [c.name for c in healthy.checks] == [
        "camera", "scanner", "thermometer", "display", "disk", "database", "server", "clock", "bundle", "trust", "uploads",
    ]
    from dataclasses import replace

    sick = diagnose(replace(_healthy(), uploads=UploadFacts(0, 1)))
    assert not sick.ok and [c.name for c in sick.checks if not c.ok] == ["uploads"]
    data = sick.as_dict()
    assert data["ok"] is False and data["checks"][-1]["fix"]
    assert "✗ uploads" in sick.checks[-1].line() and "→ see `kiosk sync status`" in sick.checks[-1].line()
