"""Starting the touch screen: Kivy settings that must precede the window, the CJK font."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.ui.services import Services

log = logging.getLogger(__name__)
UI_DIR = Path(__file__).resolve().parent
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font() -> str:
    for path in CJK_FONTS:
        if Path(path).exists():
            return path
    raise RuntimeError(
        "no CJK font found (looked for " + ", ".join(CJK_FONTS) + "); install fonts-wqy-microhei"
    )


def window_settings(cfg: Config, env: Mapping[str, str] | None = None,
                    screen: Callable[[str], tuple[int, int, float | None]] | None = None) -> dict[str, str]:
    """Kivy [graphics] values for the window.

    Full screen the gate way: a gate's bare X session has no window manager to honour a
    "full screen" request (SDL then leaves a 1280×800 window, partly off a portrait screen),
    so the window is made borderless, as large as the X screen, at its top-left corner. With
    no X display (a Wayland kiosk compositor such as cage sizes every window itself) or when
    the screen cannot be asked, Kivy's own full screen is used.
    """
    if not cfg["ui.fullscreen"]:
        return {"fullscreen": "0", "borderless": "0", "width": "1280", "height": "800"}
    from kiosk.ops.display import DisplayError, x_screen

    display = (os.environ if env is None else env).get("DISPLAY", "")
    if display:
        try:
            width, height, _dpi = (screen or x_screen)(display)
        except DisplayError as exc:
            log.warning("full screen: %s; asking Kivy for full screen instead", exc)
        else:
            return {"fullscreen": "0", "borderless": "1", "position": "custom", "left": "0", "top": "0",
                    "width": str(width), "height": str(height)}
    return {"fullscreen": "auto", "borderless": "1"}


def prepare_kivy(cfg: Config) -> None:
    """Settings Kivy reads once, before its window exists: physical dpi, full screen, the pointer."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # not xclip/xsel, which a kiosk image lacks
    if cfg["ui.display_dpi"]:
        os.environ["KIVY_DPI"] = str(cfg["ui.display_dpi"])
    from kivy.config import Config as KivyConfig

    for key, value in window_settings(cfg).items():  # not full screen: a 1280×800 window
        KivyConfig.set("graphics", key, value)
    KivyConfig.set("graphics", "show_cursor", "0" if cfg["ui.touch_only"] else "1")  # no mouse at a touch gate
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")  # a touch screen has no right-click dots
    KivyConfig.set("kivy", "exit_on_escape", "0")  # a gate kiosk is not closed by a stray key
    # A code (and a result) handed over from another thread wakes the Kivy loop at once instead
    # of at its next frame tick: code -> result on the screen 28 -> 9 ms median (docs/benchmarks.md).
    KivyConfig.set("kivy", "kivy_clock", "interrupt")


def run_app(cfg: Config, services: Services) -> int:
    """The touch screen with the services `kiosk run` built (call prepare_kivy first)."""
    from kiosk.ui.kiosk_app import KioskApp

    KioskApp(cfg, services).run()
    return 0
