"""Which window the kiosk asks Kivy for (kiosk/ui/app.py window_settings), by table."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.ops.display import DisplayError
from kiosk.ui.app import window_settings


def _screen(size: tuple[int, int] | None):  # type: ignore[no-untyped-def]
    def screen(display: str) -> tuple[int, int, float | None]:
        if size is None:
            raise DisplayError(f"X display {display} does not answer")
        return size[0], size[1], 96.0

    return screen


@pytest.mark.parametrize(
    ("fullscreen", "env", "size", "expected"),
    [
        (False, {"DISPLAY": ":0"}, (1080, 1920), {"fullscreen": "0", "borderless": "0", "width": "1280", "height": "800"}),
        (True, {"DISPLAY": ":0"}, (1080, 1920), {"fullscreen": "0", "borderless": "1", "position": "custom", "left": "0",
                                                  "top": "0", "width": "1080", "height": "1920"}),
        (True, {"DISPLAY": ":0"}, (800, 1280), {"fullscreen": "0", "borderless": "1", "position": "custom", "left": "0",
                                                 "top": "0", "width": "800", "height": "1280"}),
        (True, {"DISPLAY": ":0"}, None, {"fullscreen": "auto", "borderless": "1"}),  # X does not answer: Kivy's own
        (True, {"WAYLAND_DISPLAY": "wayland-0"}, (1080, 1920), {"fullscreen": "auto", "borderless": "1"}),  # cage sizes it
    ],
)
def test_window_settings(tmp_path: Path, fullscreen: bool, env: dict[str, str], size: tuple[int, int] | None,
                         expected: dict[str, str]) -> None:
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(tmp_path), "KIOSK_UI_FULLSCREEN": str(fullscreen).lower()})
    assert window_settings(cfg, env, _screen(size)) == expected
