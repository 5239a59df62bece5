"""Every setting of the kiosk, declared once: name, type, default, unit, help, bounds.

`config/kiosk.toml` and `docs/configuration.md` document exactly these (a test checks it);
`kiosk config docs` regenerates the Markdown. Secrets never appear here: the device key
and the admin PIN hash live in the data folder, outside the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str  # "section.key"
    type: type  # str, int, float, bool or list (of str)
    default: Any
    help: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def env_var(self) -> str:
        return "KIOSK_" + self.name.replace(".", "_").upper()


S = Setting

SETTINGS: tuple[Setting, ...] = (
    # --- the gate ---
    S("kiosk.community_name", str, "示范社区", "Community name shown on the idle screen"),
    S("kiosk.gate_name", str, "东门", "Name of this gate (卡口) shown on the idle screen"),
    S("kiosk.timezone", str, "Asia/Shanghai", "IANA time zone used to show times and cut report days"),
    S("kiosk.language", str, "zh_CN", "Language of the screens at start", choices=("zh_CN", "en")),
    # --- local store ---
    S("store.data_dir", str, "", "Folder for the database, keys and logs; empty = ~/.local/share/checkpoint-kiosk"),
    S("store.busy_timeout_ms", int, 5000, "How long a reader waits for the writer's lock", unit="ms", min=100, max=60000),
    S("store.retention_days", int, 28, "Acknowledged records older than this are purged", unit="days", min=1, max=3650),
    # --- devices: camera, QR decoder, hand-held scanners (issue 4) ---
    S("camera.kind", str, "opencv", "Camera input: opencv (cv2.VideoCapture), synthetic (generated test frames) or none", choices=("opencv", "synthetic", "none")),
    S("camera.source", str, "0", "Device index (0), video file path, or rtsp:// / http:// URL of an IP camera"),
    S("camera.width", int, 1280, "Frame width asked of a device camera (0 = the camera's own)", unit="px", min=0, max=7680),
    S("camera.height", int, 720, "Frame height asked of a device camera (0 = the camera's own)", unit="px", min=0, max=4320),
    S("camera.file_realtime", bool, True, "Play a video file at its own frame rate, as a live camera would deliver it"),
    S("camera.file_loop", bool, False, "Start a video file again when it ends (a demo loop)"),
    S("camera.reconnect_min_s", float, 0.5, "First wait before reopening a lost camera; doubles on each failure", unit="s", min=0.05, max=60.0),
    S("camera.reconnect_max_s", float, 30.0, "Longest wait between attempts to reopen a lost camera", unit="s", min=0.1, max=600.0),
    S("camera.stall_after_s", float, 5.0, "A live camera that delivers no frame for this long is reopened", unit="s", min=0.5, max=120.0),
    S("decoder.backend", str, "zxing", "QR decoder: zxing (zxing-cpp) or pyzbar (zbar); both read QR codes only", choices=("zxing", "pyzbar")),
    S("decoder.gray", str, "min", "Colour to grey conversion: min = per-pixel min(B,G,R) (helps green/yellow codes), luma = standard grey", choices=("min", "luma")),
    S("decoder.max_side", int, 2560, "Larger frames are scaled down to this longest side before decoding", unit="px", min=320, max=8192),
    S("decoder.duplicate_window_s", float, 3.0, "The same code is not processed again until it has been out of sight this long", unit="s", min=0.0, max=60.0),
    S("scanner.kind", str, "wedge", "Hand-held scanner: wedge (USB keyboard), serial (serial port) or none", choices=("wedge", "serial", "none")),
    S("scanner.prefix", str, "", "Characters the wedge scanner sends before each code (empty = tell scans from typing by key timing)"),
    S("scanner.suffix", str, "", "Characters the scanner sends after each code, before Enter (stripped; empty = Enter alone ends a code)"),
    S("scanner.max_key_gap_ms", int, 40, "Timing mode: keys closer together than this are a scanner, slower keys are a person typing", unit="ms", min=5, max=500),
    S("scanner.min_length", int, 6, "Timing mode: shorter bursts ending in Enter count as typing, not a scan", unit="chars", min=1, max=100),
    S("scanner.serial_port", str, "/dev/ttyACM0", "Serial scanner port (or a pyserial URL)"),
    S("scanner.serial_baud", int, 9600, "Serial scanner speed", unit="baud", min=1200, max=921600),
    # --- temperature ---
    S("temperature.fever_threshold", float, 37.3, "At or above this a reading is fever: re-measure with a contact thermometer", unit="°C", min=37.0, max=38.5),
    S("temperature.low_threshold", float, 35.0, "Below this a reading is too low (cold forehead): re-measure", unit="°C", min=34.0, max=36.0),
    # --- sync (issue 6, kiosk side): uploads, bundle pulls, retries ---
    S("sync.server_url", str, "", "Central server base URL; empty = the one saved by `kiosk provision`"),
    S("sync.ca_bundle", str, "", "PEM file of the CA certificates trusted for the server; empty = the system's CAs"),
    S("sync.batch_max_records", int, 500, "Most records in one upload batch", unit="records", min=1, max=10000),
    S("sync.batch_max_bytes", int, 1000000, "Most bytes of record JSON in one upload batch (before gzip)", unit="bytes", min=1024, max=50000000),
    S("sync.interval_s", float, 30.0, "The worker wakes at least this often (and at once on a new record)", unit="s", min=0.05, max=3600.0),
    S("sync.pull_interval_s", float, 300.0, "How often the bundle is asked for (cheap: ETag)", unit="s", min=1.0, max=86400.0),
    S("sync.timeout_s", float, 10.0, "Network timeout of one upload or pull request", unit="s", min=0.1, max=120.0),
    S("sync.backoff_base_s", float, 1.0, "First retry delay; doubles per attempt, with full jitter", unit="s", min=0.001, max=60.0),
    S("sync.backoff_cap_s", float, 300.0, "Longest retry delay (Retry-After from the server is honoured up to 1 h)", unit="s", min=0.01, max=300.0),
    S("sync.skew_warn_s", int, 120, "Clock difference to the server shown to the admin above this", unit="s", min=5, max=3600),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
