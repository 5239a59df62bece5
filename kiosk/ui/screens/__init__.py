"""One module + one .kv per screen; `make_screens` builds them all for the App."""

from __future__ import annotations

from typing import Any

KV_FILES = (
    "idle", "result", "temperature", "attest", "message", "visitor", "nophone", "guard", "override", "admin_pin", "admin",
)


def make_screens(cfg: Any) -> list[Any]:
    from kiosk.ui.screens.admin import AdminScreen
    from kiosk.ui.screens.admin_pin import AdminPinScreen
    from kiosk.ui.screens.attest import AttestScreen
    from kiosk.ui.screens.guard import GuardScreen
    from kiosk.ui.screens.idle import IdleScreen
    from kiosk.ui.screens.message import MessageScreen
    from kiosk.ui.screens.nophone import NoPhoneScreen
    from kiosk.ui.screens.override import OverrideScreen
    from kiosk.ui.screens.result import ResultScreen
    from kiosk.ui.screens.temperature import TemperatureScreen
    from kiosk.ui.screens.visitor import VisitorScreen

    return [
        IdleScreen(name="idle", cfg=cfg),
        ResultScreen(name="result", seconds=cfg["ui.result_seconds"]),
        TemperatureScreen(name="temperature"),
        AttestScreen(name="attest"),
        MessageScreen(name="message"),
        VisitorScreen(name="visitor"),
        NoPhoneScreen(name="nophone"),
        GuardScreen(name="guard"),
        OverrideScreen(name="override"),
        AdminPinScreen(name="admin_pin"),
        AdminScreen(name="admin", session_seconds=cfg["admin.session_seconds"], export_dir=cfg["admin.export_dir"]),
    ]
