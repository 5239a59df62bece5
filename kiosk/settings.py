"""Every setting of the kiosk, declared once: name, type, default, unit, help, bounds.

`config/kiosk.toml` and `docs/configuration.md` document exactly these (a test checks it);
`kiosk config docs` regenerates the Markdown. Secrets never appear here: the vault key and
the admin PIN hash live in the secrets folder (store.secrets_dir), the device key in the
data folder, both outside the repository.
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
_OUT = ("pass", "review", "deny")  # outcomes a policy.* case may map to

SETTINGS: tuple[Setting, ...] = (
    # --- the gate ---
    S("kiosk.community_name", str, "示范社区", "Community name shown on the idle screen"),
    S("kiosk.gate_name", str, "东门", "Name of this gate (卡口) shown on the idle screen"),
    S("kiosk.timezone", str, "Asia/Shanghai", "IANA time zone used to show times and cut report days"),
    S("kiosk.production", bool, False, "Production mode: `kiosk run` refuses to start without an admin PIN or with the demo's published PIN (2580) still set"),
    S("kiosk.language", str, "zh_CN", "Language of the screens at start", choices=("zh_CN", "en")),
    # --- local store ---
    S("store.data_dir", str, "", "Folder for the database, keys and logs; empty = ~/.local/share/checkpoint-kiosk"),
    S("store.secrets_dir", str, "", "Folder for the vault key and the admin PIN hash (0700), kept apart from the data folder; empty = <data folder>-secrets beside it"),
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
    S("decoder.sharpen_retry", bool, True, "A QR code that zxing sees but cannot read (out of focus) is tried again on a sharpened copy"),
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
    # --- workflow (issue 5): admission policy table, occupancy, reports, thermometer ---
    S("policy.mode", str, "normal", "Mode from the settings; lockdown (封闭管理) lets only roster residents pass. The admin screen or the central bundle may also set lockdown", choices=("normal", "lockdown")),
    S("policy.code_yellow", str, "review", "Outcome for a verified yellow code", choices=_OUT),
    S("policy.code_invalid", str, "deny", "Outcome for an invalid, expired, revoked or untrusted code", choices=_OUT),
    S("policy.code_missing", str, "review", "Outcome when no code is shown", choices=_OUT),
    S("policy.unverified_attested_green", str, "pass", "Outcome for an unverifiable code (offline) the guard attests green; it is re-checked online later", choices=_OUT),
    S("policy.unverified_attested_yellow", str, "review", "Outcome for an unverifiable code the guard attests yellow", choices=_OUT),
    S("policy.unverified_unattested", str, "review", "Outcome for an unverifiable code without the guard's attestation", choices=_OUT),
    S("policy.temperature_missing", str, "review", "Outcome when no temperature was measured", choices=_OUT),
    S("policy.lockdown_visitor", str, "review", "In lockdown: outcome for anyone not on the residents roster (review = host or admin confirms)", choices=("review", "deny")),
    S("policy.lockdown_staff", str, "pass", "In lockdown: outcome for staff (community workers, couriers registered as staff)", choices=_OUT),
    S("policy.key_group", str, "review", "Outcome for a person in a key group (risk area, inbound, cold chain, released from observation)", choices=_OUT),
    S("policy.risk_area_low", str, "pass", "Outcome for a visitor from a low-risk area on the bundle's list", choices=_OUT),
    S("policy.risk_area_medium", str, "review", "Outcome for a visitor from a medium-risk area", choices=_OUT),
    S("policy.risk_area_high", str, "deny", "Outcome for a visitor from a high-risk area", choices=_OUT),
    S("policy.at_capacity", str, "review", "Outcome when the facility is at capacity (please wait)", choices=("review", "deny")),
    S("policy.override_red_code", bool, False, "A signed-in guard (PIN typed again, reason given) may let a red code through; off = a red code is never let through"),
    S("policy.override_fever", str, "refer", "What a guard may do with a confirmed fever: refer (send to the fever clinic, recorded; never a pass) or never", choices=("refer", "never")),
    S("policy.check_exits", bool, False, "Check code and temperature on the way out too (otherwise exits always pass and are only counted)"),
    S("occupancy.capacity", int, 0, "Most people inside at once (service hall, market); 0 = no limit, no counting shown", unit="people", min=0, max=100000),
    S("occupancy.reset_hour", int, 4, "Local hour at which the occupancy count starts again from zero (the facility is empty at night)", unit="h", min=0, max=23),
    S("report.hour", int, 20, "Local hour at which the daily report (日报告 or 零报告) is filed for the day", unit="h", min=0, max=23),
    S("report.include_visitors_list", bool, False, "Add the masked list of the day's visitors to the daily report record"),
    S("thermometer.kind", str, "keypad", "Thermometer: keypad (the guard types), serial (infrared module on a serial port) or fake (demo only)", choices=("keypad", "serial", "fake")),
    S("thermometer.serial_port", str, "/dev/ttyUSB0", "Serial port of the infrared module (or a pyserial URL)"),
    S("thermometer.serial_baud", int, 9600, "Speed of the infrared module", unit="baud", min=1200, max=921600),
    S("thermometer.read_timeout_s", float, 3.0, "Longest wait for one reading from the module", unit="s", min=0.1, max=30.0),
    S("thermometer.remeasure_pause_s", int, 60, "Pause before re-measuring a fever with a contact thermometer", unit="s", min=0, max=900),
    S("idreader.kind", str, "none", "Second-generation ID card reader for the no-smartphone lane: none, serial (serial/USB reader in text mode: name and number per line) or fake (tests and demo)", choices=("none", "serial", "fake")),
    S("idreader.serial_port", str, "/dev/ttyUSB1", "Serial port of the ID card reader (or a pyserial URL)"),
    S("idreader.serial_baud", int, 115200, "Speed of the ID card reader", unit="baud", min=1200, max=921600),
    # --- sync (issue 6, kiosk side): uploads, bundle pulls, retries ---
    S("sync.server_url", str, "", "Central server base URL; empty = the one saved by `kiosk provision`"),
    S("sync.ca_bundle", str, "", "PEM file of the CA certificates trusted for the server; empty = the system's CAs"),
    S("sync.batch_max_records", int, 1000, "Most records in one upload batch", unit="records", min=1, max=10000),
    S("sync.batch_max_bytes", int, 1000000, "Most bytes of record JSON in one upload batch (before gzip)", unit="bytes", min=1024, max=50000000),
    S("sync.interval_s", float, 30.0, "The worker wakes at least this often (and at once on a new record)", unit="s", min=0.05, max=3600.0),
    S("sync.pull_interval_s", float, 300.0, "How often the bundle is asked for (cheap: ETag)", unit="s", min=1.0, max=86400.0),
    S("sync.clock_skew_alert_s", float, 120.0, "Raise a clock-skew alert (once a day) when the kiosk's clock is this far off the server's", unit="s", min=5.0, max=86400.0),
    S("sync.timeout_s", float, 10.0, "Network timeout of one upload or pull request", unit="s", min=0.1, max=120.0),
    S("sync.backoff_base_s", float, 1.0, "First retry delay; doubles per attempt, with full jitter", unit="s", min=0.001, max=60.0),
    S("sync.backoff_cap_s", float, 300.0, "Longest retry delay (Retry-After from the server is honoured up to 1 h)", unit="s", min=0.01, max=300.0),
    S("sync.skew_warn_s", int, 120, "Clock difference to the server shown to the admin above this", unit="s", min=5, max=3600),
    # --- touch screen (issue 7): look, timing, sounds, admin panel ---
    S("ui.result_seconds", float, 4.0, "How long the result screen stays before returning to scanning (a touch returns at once)", unit="s", min=1.0, max=30.0),
    S("ui.ask_temperature", bool, True, "After a code, show the temperature keypad; false when temperatures come from a thermometer adapter or another post"),
    S("ui.elderly_mode", bool, False, "Start with larger text (elderly mode); the button on the idle screen switches it at any time"),
    S("ui.elderly_scale", float, 1.35, "How much larger text is in elderly mode", min=1.1, max=2.0),
    S("ui.sounds", bool, True, "Play the pass / deny / review tones"),
    S("ui.volume", float, 1.0, "Volume of the tones", min=0.0, max=1.0),
    S("ui.display_dpi", float, 0.0, "Physical dots per inch of the screen, so 15 mm touch targets are 15 mm; 0 = as the system reports", unit="dpi", min=0.0, max=600.0),
    S("ui.fullscreen", bool, False, "Open the kiosk full screen (a gate terminal): a borderless window the size of the X screen at its corner, also with no window manager"),
    S("ui.touch_only", bool, False, "Hide the mouse pointer: a touch screen with no mouse"),
    S("ui.preview_fps", int, 30, "Camera preview refresh rate", unit="fps", min=5, max=60),
    S("ui.status_refresh_s", float, 2.0, "How often the status bar (sync, pending uploads, duty) is refreshed", unit="s", min=0.5, max=60.0),
    S("ui.demo_video", str, "", "Video file to use as the camera when there is no camera (the demo); empty = none"),
    S("admin.session_seconds", int, 120, "The admin panel logs out after this long without a touch", unit="s", min=15, max=3600),
    S("admin.export_dir", str, "/media/usb", "Folder offered for exports on the admin screen (a mounted USB stick)"),
    # --- health-code verification (issue 3): formats, platform check, trust ---
    S("codes.cn_token_patterns", list, [r"^https?://[^/\s]+/hc/[A-Za-z0-9_-]{16,64}$"], "Regular expressions (whole text) for platform health-code tokens; prefix one with a 6-digit region code and a colon (110000:^https://...) to label its region"),
    S("codes.check_timeout_s", float, 3.0, "Longest wait for the platform's answer to a code check before the code counts as unverified", unit="s", min=0.2, max=30.0),
    S("codes.check_max_age_s", float, 120.0, "A code or ID check older than this when the pass is recorded (a long fever re-measure) is done again, and the new result is shown before recording", unit="s", min=5.0, max=3600.0),
    S("codes.trust_dir", str, "", "Folder of extra trusted DCC signer certificates (PEM/DER) and trust-list files, on top of the synced bundle; empty = none"),
    S("codes.clock_leeway_s", int, 300, "A signed regional code may look issued this far in the future (kiosk clock behind the issuer's); never applied to expiry", unit="s", min=0, max=3600),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
