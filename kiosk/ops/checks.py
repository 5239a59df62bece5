"""`kiosk doctor` verdicts: pure functions from gathered facts to one line each (✔/✗ + what to do).

No I/O here: kiosk/ops/gather.py collects the facts; the tests feed tables of facts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

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
    TrustFacts,
    UploadFacts,
)

GIB = 1024**3
MIN_FREE_BYTES = 1 * GIB  # a day of records is kilobytes; below this the OS and logs are at risk
MIN_FREE_FRACTION = 0.05
MIN_FRAMES = 3  # "frames arrive": more than the first one a driver may hand over from its buffer
SMALLEST_SCREEN = (800, 1280)  # short side, long side: the smallest gate screen the layouts support
BUNDLE_MAX_AGE = timedelta(hours=24)
TRUST_WARN_DAYS = 30
UPLOAD_STUCK_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Check:
    name: str  # short key, also used by the console: camera, scanner, ...
    ok: bool
    summary: str  # what was found
    fix: str = ""  # what to do about it (empty when ok)

    def line(self) -> str:
        mark = "✔" if self.ok else "✗"
        text = f"{mark} {self.name:<12} {self.summary}"
        return text + (f"\n  → {self.fix}" if self.fix else "")


@dataclass(frozen=True)
class Report:
    at: str  # UTC ISO 8601
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "ok": self.ok, "checks": [asdict(c) for c in self.checks]}


# ---- verdicts -------------------------------------------------------------------------------


def _size(b: int) -> str:
    return f"{b / GIB:.1f} GiB"


def _age(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} days"


def _not_used(name: str) -> Check:
    return Check(name, True, "not used (headless gate: sync worker only)")


def check_camera(f: CameraFacts) -> Check:
    if f.kind == HEADLESS:
        return _not_used("camera")
    if f.kind == "none":
        return Check("camera", True, "no camera configured (camera.kind = none): codes come from the hand-held scanner")
    if not f.opened:
        return Check("camera", False, f"{f.source or 'camera'} does not open: {f.error or 'no device'}",
                     "check the cable and camera.source; stop a running kiosk (it holds the camera) and run doctor again")
    if f.frames < MIN_FRAMES:
        return Check("camera", False, f"{f.source} opens but delivered {f.frames} frame(s)" + (f": {f.error}" if f.error else ""),
                     "the camera hangs or is too slow: re-plug it, try another USB port, or lower camera.width/height")
    return Check("camera", True, f"{f.source}: frames arrive at {f.width}×{f.height}")


def check_scanner(f: PortFacts) -> Check:
    if f.kind == HEADLESS:
        return _not_used("scanner")
    if f.kind == "none":
        return Check("scanner", True, "no hand-held scanner configured (scanner.kind = none)")
    if f.kind == "wedge":
        if not f.present:
            return Check("scanner", False, "no USB keyboard or keyboard-wedge scanner is plugged in" + (f" ({f.error})" if f.error else ""),
                         "plug the scanner in (it types like a keyboard), or set scanner.kind = none")
        return Check("scanner", True, f"keyboard-wedge device present ({f.port})")
    return _serial_check("scanner", f, "scanner.serial_port",
                         "scan any code while doctor waits (--scan-wait); check the scanner's serial mode and scanner.serial_baud")


def check_thermometer(f: PortFacts) -> Check:
    if f.kind == HEADLESS:
        return _not_used("thermometer")
    if f.kind == "keypad":
        return Check("thermometer", True, "temperatures are typed by the guard (thermometer.kind = keypad)")
    if f.kind == "fake":
        return Check("thermometer", False, "thermometer.kind = fake gives made-up readings (demo only)",
                     "set thermometer.kind = keypad or serial on a real gate")
    return _serial_check("thermometer", f, "thermometer.serial_port",
                         "point the module at a forehead or hand; check thermometer.serial_baud and the module's output mode")


def _serial_check(name: str, f: PortFacts, setting: str, no_reading_fix: str) -> Check:
    if not f.present:
        return Check(name, False, f"serial port {f.port} is not there", f"plug the {name} in, or correct {setting}")
    if not f.opened:
        return Check(name, False, f"{f.port} does not open: {f.error}",
                     f"stop a running kiosk (it holds the port); give the kiosk user access (group dialout); check {setting}")
    if f.waited and f.reading is None:
        return Check(name, False, f"{f.port} opens but sent no reading" + (f": {f.error}" if f.error else ""), no_reading_fix)
    got = f", reading {f.reading}" if f.reading is not None else " (no reading asked for)"
    return Check(name, True, f"{f.port} opens{got}")


def check_display(f: DisplayFacts) -> Check:
    if not f.needed:
        return _not_used("display")
    if f.width <= 0 or f.height <= 0:
        return Check("display", False, f"no screen found: {f.error or 'unknown reason'}",
                     "start the kiosk from the graphical session (DISPLAY=:0), check the screen cable, or use --headless on a gate without one")
    shape = "portrait" if f.height > f.width else "landscape"
    dpi = f.dpi_setting or f.dpi
    dpi_text = f"{dpi:.0f} dpi" + (" (ui.display_dpi)" if f.dpi_setting else "") if dpi else "dpi unknown"
    summary = f"{f.width}×{f.height} {shape}, {dpi_text} [{f.source}]"
    short, long_ = sorted((f.width, f.height))
    if short < SMALLEST_SCREEN[0] or long_ < SMALLEST_SCREEN[1]:
        return Check("display", False, summary, f"the layouts need at least {SMALLEST_SCREEN[0]}×{SMALLEST_SCREEN[1]} (or the landscape turn of it)")
    if not dpi:
        return Check("display", False, summary, "set ui.display_dpi to the screen's real dpi so 15 mm touch targets are 15 mm")
    return Check("display", True, summary)


def check_disk(f: DiskFacts) -> Check:
    summary = f"{_size(f.free_bytes)} free of {_size(f.total_bytes)} at {f.path}"
    if f.free_bytes < MIN_FREE_BYTES or (f.total_bytes and f.free_bytes / f.total_bytes < MIN_FREE_FRACTION):
        return Check("disk", False, summary, "free space: remove old exports and logs (journalctl --vacuum-size=100M); never delete the database")
    return Check("disk", True, summary)


def check_database(f: DatabaseFacts) -> Check:
    if not f.exists:
        return Check("database", False, f"no database at {f.path}", "run `kiosk db migrate` (or start the kiosk once); check store.data_dir")
    if f.problem:
        return Check("database", False, f"{f.path}: {f.problem}", "run `kiosk db check` for the full report and keep a copy of the data folder before anything else")
    return Check("database", True, f"{f.records} records, quick integrity check ok, sequence ends where the device says")


def check_server(f: ServerFacts) -> Check:
    if not f.provisioned:
        return Check("server", False, "this kiosk is not enrolled with a central server", "run `kiosk provision --server URL --enroll-code CODE`")
    if f.http_status is None:
        return Check("server", False, f"{f.url} does not answer: {f.error}", "check the network cable or Wi-Fi, sync.server_url and the firewall")
    if f.http_status in (401, 403):
        return Check("server", False, f"{f.url} refuses device {f.device_id}: {f.error or f'HTTP {f.http_status}'}",
                     "the device was disabled or its key lost: ask the server admin, then enrol again with a new code")
    if f.http_status in (200, 304):
        return Check("server", True, f"{f.url} answers; device {f.device_id} enrolled")
    return Check("server", False, f"{f.url} answers HTTP {f.http_status}: {f.error}", "the server has a problem: tell its admin (kiosk-central)")


def check_clock(f: ServerFacts, warn_s: float) -> Check:
    if f.skew_s is None:
        return Check("clock", False, "skew against the server not measured (no answer)", "fix the server check first")
    text = f"{abs(f.skew_s):.1f} s {'behind' if f.skew_s > 0 else 'ahead of'} the server"
    if abs(f.skew_s) > warn_s:
        return Check("clock", False, text, "turn on time sync (`timedatectl set-ntp true`) or set the clock; records carry this clock's time")
    return Check("clock", True, text)


def check_bundle(f: BundleFacts, now: datetime) -> Check:
    if not f.applied:
        return Check("bundle", False, "no bundle from the server yet (trust list, roster, risk areas)", "run `kiosk sync --once` once the server check is ✔")
    issued = f" (issued {f.issued_at.isoformat(timespec='minutes')})" if f.issued_at else ""
    if f.confirmed_at is None:
        return Check("bundle", False, f"bundle in force{issued}, never confirmed current", "run `kiosk sync --once`")
    age = now - f.confirmed_at
    summary = f"confirmed current {_age(age)} ago{issued}"
    if age > BUNDLE_MAX_AGE:
        return Check("bundle", False, summary, "pulls fail: see `kiosk sync-log`; the trust list and roster may be out of date")
    return Check("bundle", True, summary)


def check_trust(f: TrustFacts, now: datetime, warn_days: int = TRUST_WARN_DAYS) -> Check:
    if f.error:
        return Check("trust", False, f"trust list unusable: {f.error}", "run `kiosk sync --once`; check codes.trust_dir")
    if not f.certs:
        return Check("trust", True, "no signer certificates (only platform-checked codes can be verified)")
    soon = now + timedelta(days=warn_days)
    expired = sorted((c for c in f.certs if c.not_after <= now), key=lambda c: c.not_after)
    expiring = sorted((c for c in f.certs if now < c.not_after <= soon), key=lambda c: c.not_after)
    if expired or expiring:
        parts = [f"{len(expired)} expired"] if expired else []
        if expiring:
            first = expiring[0]
            parts.append(f"{len(expiring)} expire within {warn_days} days (first {first.subject} on {first.not_after.date().isoformat()})")
        return Check("trust", False, f"{len(f.certs)} signer certificates: " + ", ".join(parts),
                     "ask the server admin to refresh the trust list; codes signed with these keys will stop verifying")
    first = min(f.certs, key=lambda c: c.not_after)
    return Check("trust", True, f"{len(f.certs)} signer certificates, none expires within {warn_days} days (first {first.not_after.date().isoformat()})")


def check_uploads(f: UploadFacts, now: datetime) -> Check:
    if f.parked:
        return Check("uploads", False, f"{f.parked} record(s) parked (refused by the server), {f.pending} pending",
                     "see `kiosk sync status`; once the cause is fixed, `kiosk sync retry-failed`")
    if f.pending and f.oldest_pending_at and now - f.oldest_pending_at > UPLOAD_STUCK_AFTER:
        last = f": {f.last_error}" if f.last_error else ""
        return Check("uploads", False, f"{f.pending} pending, the oldest for {_age(now - f.oldest_pending_at)}{last}",
                     "uploads are not getting through: fix the server check, see `kiosk sync-log`")
    return Check("uploads", True, f"{f.pending} pending, none parked")


def diagnose(f: Facts) -> Report:
    checks = (
        check_camera(f.camera), check_scanner(f.scanner), check_thermometer(f.thermometer), check_display(f.display),
        check_disk(f.disk), check_database(f.database), check_server(f.server), check_clock(f.server, f.skew_warn_s),
        check_bundle(f.bundle, f.now), check_trust(f.trust, f.now), check_uploads(f.uploads, f.now),
    )
    return Report(f.now.isoformat(timespec="seconds"), checks)
