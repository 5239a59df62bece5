"""Gate-terminal scenarios: the window on a bare X screen, and the systemd watchdog's pings."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import time
from typing import Any


def _sdl_cursor_shown() -> int:
    """SDL's own answer (SDL_ShowCursor(SDL_QUERY)) from the SDL library Kivy loaded: 1 shown, 0 hidden."""
    with open("/proc/self/maps") as maps:
        path = next(line.split()[-1] for line in maps if "libSDL2-2" in line)
    return int(ctypes.CDLL(path).SDL_ShowCursor(-1))


def _x_window(title: str) -> list[int]:
    """The app's top-level X window as the X server has it: width, height, x, y (xwininfo, x11-utils)."""
    out = subprocess.run(["xwininfo", "-root", "-children", "-display", os.environ["DISPLAY"]],
                         capture_output=True, text=True, timeout=10, check=True).stdout
    for line in out.splitlines():
        if f'"{title}"' in line:
            m = re.search(r"(\d+)x(\d+)\+(-?\d+)\+(-?\d+)", line.split(")", 1)[-1])
            if m:
                return [int(v) for v in m.groups()]
    raise AssertionError(f"no window titled {title!r} on the X screen:\n{out}")


def window(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kivy.core.window import Window

    d.wait_screen("idle")
    d.settle(5)
    shape = "x".join(map(str, d.call(lambda: Window.system_size)))
    d.screenshot(f"terminal-{'fullscreen' if cfg['ui.fullscreen'] else 'window'}-{shape}")
    return {
        "x_window": _x_window(d.app.title),
        "kivy_size": list(d.call(lambda: Window.system_size)),
        "cursor_shown": d.call(_sdl_cursor_shown),
    }


def watchdog(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    time.sleep(1.5)  # the loop turns: pings flow

    def freeze() -> tuple[float, float]:  # the Kivy thread is stuck for 3 s (a frozen screen)
        start = time.time()
        time.sleep(3.0)
        return start, time.time()

    frozen_at, thawed_at = d.call(freeze, timeout=20)
    time.sleep(1.5)
    d.screenshot("terminal-watchdog")
    return {"frozen_at": frozen_at, "thawed_at": thawed_at}
