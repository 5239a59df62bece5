"""The camera preview widget: reduced upload, only new frames, at most `fps` a second.

The widget runs in the real App in tests/ui/scenarios/gate.py (frames on the preview from a
real video); here its frame choice is checked directly, without a window."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from kiosk.ui.widgets.preview import CameraPreview, fit  # noqa: E402


class Source:
    def __init__(self) -> None:
        self.frame: tuple[int, np.ndarray] | None = None

    def latest(self) -> tuple[int, np.ndarray] | None:
        return self.frame

    def state(self) -> str:
        return "ok"


@pytest.mark.parametrize(("size", "box", "cap", "expected"), [
    ((720, 1280), (650, 366), 0, (365, 650)),  # to the widget
    ((720, 1280), (650, 366), 480, (270, 480)),  # and to the cap
    ((720, 1280), (2000, 2000), 480, (270, 480)),  # a big widget: still the cap
    ((240, 320), (650, 366), 480, (240, 320)),  # never scaled up
])
def test_fit_reduces_the_upload(size: tuple[int, int], box: tuple[int, int], cap: int, expected: tuple[int, int]) -> None:
    assert fit(np.zeros((*size, 3), np.uint8), box[0], box[1], cap).shape[:2] == expected


def test_only_new_frames_are_shown_and_no_faster_than_fps(monkeypatch: pytest.MonkeyPatch) -> None:
    preview = CameraPreview(fps=30)
    shown: list[int] = []
    monkeypatch.setattr(preview, "show_frame", lambda frame: shown.append(int(frame[0, 0, 0])))
    now = {"t": 100.0}
    monkeypatch.setattr("kiosk.ui.widgets.preview.time.monotonic", lambda: now["t"])
    src = Source()
    preview.source_obj = src

    def frame(i: int) -> tuple[int, Any]:
        return i, np.full((72, 128, 3), i, np.uint8)

    preview._tick(0)
    assert shown == [] and preview.state == "ok"  # no frame yet
    src.frame = frame(1)
    preview._tick(0)
    preview._tick(0)  # the same frame again: not uploaded again
    assert shown == [1]
    src.frame = frame(2)
    now["t"] += 0.010  # 10 ms later: faster than 30 fps, skipped
    preview._tick(0)
    assert shown == [1]
    src.frame = frame(3)
    now["t"] += 0.025  # 35 ms after the last upload: the newest frame is shown, 2 never
    preview._tick(0)
    assert shown == [1, 3]
    preview.source_obj = None
    preview._tick(0)
    assert preview.state == "off"
