"""Starting the touch screen: Kivy settings that must precede the window, the CJK font."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kiosk.config import Config

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


def prepare_kivy(cfg: Config) -> None:
    """Settings Kivy reads once, before its window exists: physical dpi, full screen."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # not xclip/xsel, which a kiosk image lacks
    if cfg["ui.display_dpi"]:
        os.environ["KIVY_DPI"] = str(cfg["ui.display_dpi"])
    from kivy.config import Config as KivyConfig

    KivyConfig.set("graphics", "fullscreen", "auto" if cfg["ui.fullscreen"] else "0")
    KivyConfig.set("graphics", "width", "1280")  # the gate terminal's screen, when not full screen
    KivyConfig.set("graphics", "height", "800")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")  # a touch screen has no right-click dots
    KivyConfig.set("kivy", "exit_on_escape", "0")  # a gate kiosk is not closed by a stray key


def run_app(cfg: Config, store: Any) -> int:
    prepare_kivy(cfg)
    from kiosk.ui.kiosk_app import KioskApp

    try:
        KioskApp(cfg, store).run()
    finally:
        store.close()
    return 0
