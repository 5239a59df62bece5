"""One module + one .kv per screen; `screen_factories` tells the App how to build each,
handing each its ScreenKit (kiosk/ui/screens/kit.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.ui.screens.kit import ScreenKit

KV_FILES = (
    "idle", "result", "temperature", "attest", "message", "visitor", "nophone", "guard", "override", "admin_pin", "admin",
    "pick", "rechecked",
)


def screen_factories(cfg: Config, kit: ScreenKit) -> dict[str, Callable[[], Any]]:
    """name -> a function that builds that screen. The idle screen is built first; the
    others after the first frame (or at once when someone goes to them), so the kiosk is
    ready to scan sooner."""
    from kiosk.ui.screens.admin import AdminScreen
    from kiosk.ui.screens.admin_pin import AdminPinScreen
    from kiosk.ui.screens.attest import AttestScreen
    from kiosk.ui.screens.guard import GuardScreen
    from kiosk.ui.screens.idle import IdleScreen
    from kiosk.ui.screens.message import MessageScreen
    from kiosk.ui.screens.nophone import NoPhoneScreen
    from kiosk.ui.screens.override import OverrideScreen
    from kiosk.ui.screens.pick import PickScreen
    from kiosk.ui.screens.rechecked import RecheckedScreen
    from kiosk.ui.screens.result import ResultScreen
    from kiosk.ui.screens.temperature import TemperatureScreen
    from kiosk.ui.screens.visitor import VisitorScreen

    return {
        "idle": lambda: IdleScreen(kit, name="idle", cfg=cfg),
        "result": lambda: ResultScreen(kit, name="result", seconds=cfg["ui.result_seconds"]),
        "temperature": lambda: TemperatureScreen(kit, name="temperature"),
        "attest": lambda: AttestScreen(kit, name="attest"),
        "message": lambda: MessageScreen(kit, name="message"),
        "visitor": lambda: VisitorScreen(kit, name="visitor"),
        "nophone": lambda: NoPhoneScreen(kit, name="nophone"),
        "guard": lambda: GuardScreen(kit, name="guard"),
        "override": lambda: OverrideScreen(kit, name="override"),
        "admin_pin": lambda: AdminPinScreen(kit, name="admin_pin"),
        "pick": lambda: PickScreen(kit, name="pick"),
        "rechecked": lambda: RecheckedScreen(kit, name="rechecked"),
        "admin": lambda: AdminScreen(kit, name="admin", session_seconds=cfg["admin.session_seconds"], export_dir=cfg["admin.export_dir"]),
    }
