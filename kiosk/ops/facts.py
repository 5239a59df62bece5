"""What `kiosk doctor` judges: plain facts gathered from the machine (kiosk/ops/gather.py).

Frozen dataclasses with no behaviour; kiosk/ops/checks.py turns them into ✔/✗ lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

HEADLESS = "headless"  # the kind of a device a headless gate (sync worker alone) does not use


@dataclass(frozen=True)
class CameraFacts:
    kind: str  # camera.kind: opencv | synthetic | none, or HEADLESS
    source: str = ""  # as shown to people (no password)
    opened: bool = False
    frames: int = 0  # frames read within the probe's time
    width: int = 0
    height: int = 0
    error: str = ""


@dataclass(frozen=True)
class PortFacts:
    """A serial device (scanner or thermometer), or the keyboard-wedge scanner."""

    kind: str  # serial | wedge | keypad | fake | none, or HEADLESS
    port: str = ""
    present: bool = False  # the device node exists (always true for a pyserial URL)
    opened: bool = False
    reading: str | None = None  # a reading that arrived (a temperature, a scanned code's length)
    waited: bool = False  # a reading was asked for (the thermometer always; the scanner with --scan-wait)
    error: str = ""


@dataclass(frozen=True)
class DisplayFacts:
    width: int = 0
    height: int = 0
    dpi: float | None = None  # as the system reports it
    dpi_setting: float = 0.0  # ui.display_dpi (0 = as the system reports)
    source: str = ""  # where the facts came from: "xdpyinfo :0", "/sys/class/drm/card0-HDMI-A-1"
    needed: bool = True  # false for a headless gate (sync worker only)
    error: str = ""


@dataclass(frozen=True)
class DiskFacts:
    path: str
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class DatabaseFacts:
    path: str
    exists: bool
    records: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class ServerFacts:
    provisioned: bool
    url: str = ""
    device_id: str = ""
    http_status: int | None = None  # None: no answer
    error: str = ""
    skew_s: float | None = None  # server clock minus kiosk clock, when measured


@dataclass(frozen=True)
class BundleFacts:
    applied: bool
    issued_at: datetime | None = None
    confirmed_at: datetime | None = None  # last successful pull (new bundle or 304 unchanged)


@dataclass(frozen=True)
class SignerCert:
    subject: str
    not_after: datetime


@dataclass(frozen=True)
class TrustFacts:
    certs: tuple[SignerCert, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class UploadFacts:
    pending: int
    parked: int
    oldest_pending_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Facts:
    now: datetime
    camera: CameraFacts
    scanner: PortFacts
    thermometer: PortFacts
    display: DisplayFacts
    disk: DiskFacts
    database: DatabaseFacts
    server: ServerFacts
    bundle: BundleFacts
    trust: TrustFacts
    uploads: UploadFacts
    skew_warn_s: float = 120.0
    extra: dict[str, Any] = field(default_factory=dict)
