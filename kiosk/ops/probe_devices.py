"""`kiosk doctor`'s hardware probes: camera, scanner, thermometer, display. Each returns facts, never raises.

Heavy or hardware parts load only inside their own probe (cv2 when the camera is opened,
pyserial inside the serial probes, no Kivy at all), so the command stays headless.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kiosk.ops.checks import MIN_FRAMES
from kiosk.ops.display import DisplayError, Runner, x_screen
from kiosk.ops.facts import CameraFacts, DisplayFacts, PortFacts

INPUT_BY_ID = Path("/dev/input/by-id")
DRM_DIR = Path("/sys/class/drm")


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
