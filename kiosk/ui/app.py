"""The Kivy App: it only wires settings, the store and the screens together."""

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


def run_app(cfg: Config, store: Any) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kiosk.ui.kiosk_app import KioskApp

    KioskApp(cfg, store).run()
    store.close()
    return 0
