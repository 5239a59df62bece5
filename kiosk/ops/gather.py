"""Collects what `kiosk doctor` judges: each probe returns facts and never raises.

Heavy or hardware parts load only in their own probe (cv2 inside the camera probe, pyserial
inside the serial probes), so the command stays headless. The database is read through a
read-only connection: doctor runs beside a running kiosk and never writes its store.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.ops.checks import (
    HEADLESS,
    MIN_FRAMES,
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
from kiosk.ops.display import DisplayError, Runner, x_screen

INPUT_BY_ID = Path("/dev/input/by-id")
DRM_DIR = Path("/sys/class/drm")


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---- camera ---------------------------------------------------------------------------------


def probe_capture(open_capture: Callable[[], Any], label: str, *, frames: int = MIN_FRAMES + 2, timeout_s: float = 5.0) -> CameraFacts:
    """Open, read up to `frames` frames, release; bounded by `timeout_s` even if the driver hangs."""
    result: dict[str, Any] = {"opened": False, "frames": 0, "shape": (0, 0), "error": ""}

    def run() -> None:
        cap = None
        try:
            cap = open_capture()
            if not cap.isOpened():
                result["error"] = "cv2.VideoCapture could not open it"
                return
            result["opened"] = True
            deadline = time.monotonic() + timeout_s
            while result["frames"] < frames and time.monotonic() < deadline:
                ok, image = cap.read()
                if not ok or image is None:
                    result["error"] = "a read returned no frame"
                    break
                result["frames"] += 1
                result["shape"] = (int(image.shape[1]), int(image.shape[0]))
        except Exception as exc:  # noqa: BLE001 — a driver error is a finding, not a crash
            result["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            if cap is not None:
                cap.release()

    thread = threading.Thread(target=run, name="doctor-camera", daemon=True)
    thread.start()
    thread.join(timeout_s + 2.0)
    if thread.is_alive():
        result["error"] = f"no answer within {timeout_s:.0f} s (the driver hangs)"
    width, height = result["shape"]
    return CameraFacts("opencv", label, bool(result["opened"]), int(result["frames"]), width, height, str(result["error"]))


def _blank_capture(scene: Any) -> Any:
    from kiosk.devices.fake_camera import SyntheticCapture

    return SyntheticCapture([scene], fps=30.0)


def gather_camera(cfg: Mapping[str, Any], timeout_s: float = 5.0) -> CameraFacts:
    from kiosk.devices.camera import describe, opencv_opener, parse_source

    kind = cfg["camera.kind"]
    if kind == "none":
        return CameraFacts("none")
    if kind == "synthetic":
        import numpy as np

        scene = np.zeros((720, 1280, 3), np.uint8)
        # SyntheticCapture's module loads OpenCV for its scenes: a blank one drives the same read loop.
        facts = probe_capture(lambda: _blank_capture(scene), "synthetic camera", timeout_s=timeout_s)
        return CameraFacts("synthetic", facts.source, facts.opened, facts.frames, facts.width, facts.height, facts.error)
    try:
        source = parse_source(cfg["camera.source"])
    except ValueError as exc:
        return CameraFacts(kind, "", error=str(exc))
    opener = opencv_opener(source, cfg["camera.width"], cfg["camera.height"], timeout_s)  # imports cv2 when called
    return probe_capture(opener, describe(source), timeout_s=timeout_s)


# ---- scanner and thermometer ------------------------------------------------------------------


def _port_present(port: str) -> bool:
    return "://" in port or Path(port).exists()


def gather_scanner(cfg: Mapping[str, Any], scan_wait_s: float = 0.0, input_dir: Path = INPUT_BY_ID) -> PortFacts:
    kind = cfg["scanner.kind"]
    if kind == "none":
        return PortFacts("none")
    if kind == "wedge":
        try:
            keyboards = sorted(p.name for p in input_dir.iterdir() if p.name.endswith("-event-kbd"))
        except OSError as exc:
            return PortFacts("wedge", error=f"cannot list {input_dir}: {exc.strerror}")
        return PortFacts("wedge", keyboards[0] if keyboards else "", present=bool(keyboards))
    port = cfg["scanner.serial_port"]
    if not _port_present(port):
        return PortFacts("serial", port)
    from kiosk.devices.serial_scanner import ScannerStatus, SerialScanner

    got: list[str] = []
    arrived = threading.Event()

    def offer(text: str, origin: str) -> None:
        got.append(text)
        arrived.set()

    scanner = SerialScanner(port, offer, baudrate=cfg["scanner.serial_baud"], suffix=cfg["scanner.suffix"]).start()
    try:
        deadline = time.monotonic() + 3.0
        while scanner.status is ScannerStatus.STARTING and time.monotonic() < deadline:
            time.sleep(0.02)
        if scanner.status is not ScannerStatus.CONNECTED:
            return PortFacts("serial", port, True, False, error=scanner.last_error or "did not open within 3 s")
        if scan_wait_s > 0:
            print(f"scan any code now (waiting {scan_wait_s:.0f} s)…", file=sys.stderr, flush=True)  # stdout may be --json
            arrived.wait(scan_wait_s)
        # Never the code itself: it may be a person's health code.
        reading = f"a code of {len(got[0])} characters" if got else None
        return PortFacts("serial", port, True, True, reading, waited=scan_wait_s > 0)
    finally:
        scanner.stop()


def gather_thermometer(cfg: Mapping[str, Any]) -> PortFacts:
    kind = cfg["thermometer.kind"]
    if kind != "serial":
        return PortFacts(kind)
    from kiosk.devices.thermometer import SerialInfraredThermometer, ThermometerError

    port = cfg["thermometer.serial_port"]
    if not _port_present(port):
        return PortFacts("serial", port)
    try:
        thermo = SerialInfraredThermometer(port, cfg["thermometer.serial_baud"])
    except ThermometerError as exc:
        return PortFacts("serial", port, True, False, error=str(exc))
    try:
        value = thermo.read(cfg["thermometer.read_timeout_s"])
    except ThermometerError as exc:
        return PortFacts("serial", port, True, True, None, waited=True, error=str(exc))
    finally:
        thermo.close()
    return PortFacts("serial", port, True, True, None if value is None else f"{value:.1f} °C", waited=True)


# ---- display --------------------------------------------------------------------------------

def _drm_screen(drm_dir: Path) -> tuple[int, int, str] | None:
    """The first connected output's preferred mode (no X: a Wayland kiosk compositor such as cage)."""
    try:
        outputs = sorted(drm_dir.glob("card*-*"))
    except OSError:
        return None
    for out in outputs:
        try:
            if (out / "status").read_text().strip() != "connected":
                continue
            mode = (out / "modes").read_text().split()[0]
        except (OSError, IndexError):
            continue
        w, _, h = mode.partition("x")
        if w.isdigit() and h.split("i")[0].isdigit():
            return int(w), int(h.split("i")[0]), str(out)
    return None


def gather_display(cfg: Mapping[str, Any], *, needed: bool = True, env: Mapping[str, str] | None = None,
                   run: Runner = subprocess.run, drm_dir: Path = DRM_DIR) -> DisplayFacts:
    """From the X display (xdpyinfo) when there is one, else from the kernel's DRM outputs. No Kivy."""
    setting = float(cfg["ui.display_dpi"])
    if not needed:
        return DisplayFacts(dpi_setting=setting, needed=False)
    env = os.environ if env is None else env
    display = env.get("DISPLAY", "")
    problem = "DISPLAY is not set"
    if display:
        try:
            width, height, dpi = x_screen(display, run)
            return DisplayFacts(width, height, dpi, setting, f"X display {display}")
        except DisplayError as exc:
            problem = str(exc)
    drm = _drm_screen(drm_dir)
    if drm:
        return DisplayFacts(drm[0], drm[1], None, setting, drm[2])
    return DisplayFacts(dpi_setting=setting, error=f"{problem}; no connected screen in {drm_dir}")


# ---- disk, database, sync state -------------------------------------------------------------


def gather_disk(data_dir: Path) -> DiskFacts:
    path = data_dir
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return DiskFacts(str(data_dir), usage.free, usage.total)


def _read_only(db_path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
    conn.execute(f"pragma busy_timeout = {int(busy_timeout_ms)}")
    return conn


def light_db_problem(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """(records, problem): quick_check, schema version, and the sequence's ends — not the whole chain."""
    from sqlite_utils import Database

    from kiosk.store import schema  # noqa: F401  (registers every migration)
    from kiosk.store.migrations import pending

    bad = [r[0] for r in conn.execute("pragma quick_check").fetchall() if r[0] != "ok"]
    if bad:
        return 0, f"quick_check: {bad[0]}"
    try:
        todo = pending(Database(conn))
    except Exception as exc:  # noqa: BLE001 — StoreTooNew: a newer kiosk wrote it
        return 0, str(exc)
    if todo:
        return 0, f"schema not yet upgraded ({len(todo)} migration(s) pending): start the kiosk or run `kiosk db migrate`"
    last_seq, last_hash, anchor = conn.execute("select last_seq, last_hash, anchor_seq from device_state").fetchone()
    count, top = conn.execute("select count(*), max(seq) from journal").fetchone()
    if (top or anchor) != last_seq:
        return count, f"the journal ends at seq {top} but the device has written up to {last_seq}"
    if last_seq and conn.execute("select hash from journal where seq = ?", [last_seq]).fetchone()[0] != last_hash:
        return count, f"the last record's hash differs from the device state (seq {last_seq})"
    if count != last_seq - anchor:
        return count, f"{last_seq - anchor - count} record(s) missing between seq {anchor + 1} and {last_seq}"
    return count, None


def gather_store(cfg: Any) -> tuple[DatabaseFacts, BundleFacts, UploadFacts]:
    db_path = Path(cfg.db_path)
    if not db_path.exists():
        return DatabaseFacts(str(db_path), False), BundleFacts(False), UploadFacts(0, 0)
    try:
        conn = _read_only(db_path, cfg["store.busy_timeout_ms"])
    except sqlite3.Error as exc:
        return DatabaseFacts(str(db_path), True, problem=f"cannot open: {exc}"), BundleFacts(False), UploadFacts(0, 0)
    try:
        try:
            records, problem = light_db_problem(conn)
        except sqlite3.Error as exc:
            return DatabaseFacts(str(db_path), True, problem=f"unreadable: {exc}"), BundleFacts(False), UploadFacts(0, 0)
        database = DatabaseFacts(str(db_path), True, records, problem)
        if problem:
            return database, BundleFacts(False), UploadFacts(0, 0)
        return database, _bundle(conn), _uploads(conn)
    finally:
        conn.close()


def _bundle(conn: sqlite3.Connection) -> BundleFacts:
    import json

    row = conn.execute("select body from bundles where applied_at is not null order by id desc limit 1").fetchone()
    if not row:
        return BundleFacts(False)
    try:
        issued = _when(json.loads(row[0]).get("issued_at"))
    except (ValueError, AttributeError):
        issued = None
    pulled = conn.execute("select max(at) from sync_log where direction = 'pull' and error is null").fetchone()[0]
    return BundleFacts(True, issued, _when(pulled))


def _uploads(conn: sqlite3.Connection) -> UploadFacts:
    counts = dict(conn.execute("select state, count(*) from outbox group by state").fetchall())
    oldest = conn.execute(
        "select min(j.created_at) from journal j join outbox o on o.seq = j.seq where o.state in ('pending', 'claimed')"
    ).fetchone()[0]
    err = conn.execute("select value from kiosk_state where key = 'sync.last_error'").fetchone()
    return UploadFacts(counts.get("pending", 0) + counts.get("claimed", 0), counts.get("failed", 0), _when(oldest), err[0] if err else None)


def gather_trust(cfg: Any) -> TrustFacts:
    from kiosk.codes_runtime import kiosk_trust

    try:
        trust = kiosk_trust(cfg)
    except Exception as exc:  # noqa: BLE001 — TrustError, ConfigError: reported, not raised
        return TrustFacts(error=str(exc))
    certs = tuple(SignerCert(d.subject, d.not_after) for group in trust.store.dsc.values() for d in group)
    return TrustFacts(certs, trust.error or "")


def gather_server(cfg: Any) -> ServerFacts:
    """One signed, cheap request (the bundle with its ETag): reachability, enrolment and clock skew at once."""
    from sync import credentials
    from sync.factory import make_link
    from sync.protocol import PATH_BUNDLE

    try:
        creds = credentials.load(cfg.data_dir)
    except credentials.CredentialsError:
        return ServerFacts(False)
    try:
        link = make_link(cfg, creds)
    except credentials.CredentialsError as exc:
        return ServerFacts(True, creds.server_url, creds.device_id, error=str(exc))
    try:
        etag = None
        if Path(cfg.db_path).exists():
            conn = _read_only(Path(cfg.db_path), cfg["store.busy_timeout_ms"])
            try:
                row = conn.execute("select etag from bundles where applied_at is not null order by id desc limit 1").fetchone()
                etag = row[0] if row else None
            except sqlite3.Error:
                etag = None
            finally:
                conn.close()
        reply = link.request("GET", PATH_BUNDLE, headers={"If-None-Match": etag} if etag else None)
    finally:
        link.close()
    ok = reply.status in (200, 304)
    return ServerFacts(True, link.base_url, creds.device_id, reply.status, "" if ok else reply.describe(),
                       link.skew_s if link.skew_measured else None)


def gather(cfg: Any, *, headless: bool = False, scan_wait_s: float = 0.0, now: datetime | None = None) -> Facts:
    """Every fact doctor judges. `headless`: a gate with no screen (sync worker alone) skips camera, scanner,
    thermometer and display."""
    return Facts(
        now=now or datetime.now(UTC),
        camera=gather_camera(cfg) if not headless else CameraFacts(HEADLESS),
        scanner=gather_scanner(cfg, scan_wait_s) if not headless else PortFacts(HEADLESS),
        thermometer=gather_thermometer(cfg) if not headless else PortFacts(HEADLESS),
        display=gather_display(cfg, needed=not headless),
        disk=gather_disk(Path(cfg.data_dir)),
        database=(store := gather_store(cfg))[0],
        server=gather_server(cfg),
        bundle=store[1],
        trust=gather_trust(cfg),
        uploads=store[2],
        skew_warn_s=float(cfg["sync.skew_warn_s"]),
    )
