"""Collects every fact `kiosk doctor` judges (kiosk/ops/probe_devices.py, kiosk/ops/probe_state.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.ops.facts import HEADLESS, CameraFacts, Facts, PortFacts
from kiosk.ops.probe_devices import gather_camera, gather_display, gather_scanner, gather_thermometer
from kiosk.ops.probe_state import gather_disk, gather_server, gather_store, gather_trust
from sync.protocol.clock import utc_now


def gather(cfg: Any, *, headless: bool = False, scan_wait_s: float = 0.0, now: datetime | None = None) -> Facts:
    """Every fact doctor judges. `headless`: a gate with no screen (sync worker alone) skips camera, scanner,
    thermometer and display."""
    return Facts(
        now=now or utc_now(),
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
