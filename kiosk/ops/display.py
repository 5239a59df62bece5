"""The X screen's size and dpi from `xdpyinfo` (Debian x11-utils), without Kivy or a window.

Used by `kiosk doctor` and by the full-screen start: with no window manager, a "full screen"
request is not honoured by anyone, so the kiosk sizes its borderless window to the screen itself.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

Runner = Callable[..., subprocess.CompletedProcess[str]]

_DIMENSIONS = re.compile(r"dimensions:\s+(\d+)x(\d+) pixels")
_RESOLUTION = re.compile(r"resolution:\s+(\d+)x(\d+) dots per inch")


class DisplayError(RuntimeError):
    pass


def parse_xdpyinfo(text: str) -> tuple[int, int, float | None] | None:
    """(width, height, dpi) of the first screen in `xdpyinfo` output."""
    dims = _DIMENSIONS.search(text)
    if not dims:
        return None
    res = _RESOLUTION.search(text)
    return int(dims.group(1)), int(dims.group(2)), float(res.group(1)) if res else None


def x_screen(display: str, run: Runner = subprocess.run) -> tuple[int, int, float | None]:
    """(width, height, dpi) of `display`'s first screen; DisplayError saying why not."""
    try:
        proc = run(["xdpyinfo", "-display", display], capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        raise DisplayError("xdpyinfo is missing (Debian package x11-utils)") from None
    except subprocess.TimeoutExpired:
        raise DisplayError(f"X display {display} did not answer within 10 s") from None
    parsed = parse_xdpyinfo(proc.stdout) if proc.returncode == 0 else None
    if parsed is None:
        raise DisplayError(f"X display {display} does not answer: {(proc.stderr or '').strip()[:200]}")
    return parsed
