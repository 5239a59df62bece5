"""UI scenarios: each drives the real App by touch and returns facts for the test to check."""

from __future__ import annotations

from typing import Any

from kiosk.ui.wiring import Services, build_services


def services_for(name: str, cfg: Any, store: Any) -> Services:
    return build_services(cfg, store, with_sync=False, with_devices=cfg["camera.kind"] == "opencv")


def smoke(d: Any, cfg: Any, store: Any) -> dict[str, Any]:
    d.wait_screen("idle")
    d.screenshot("smoke-idle")
    return {"screen": d.current()}
