"""Consecutive frames: the motion gate's plan, and a phone moving into view read through the real camera path."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.devices.camera import camera_for
from kiosk.devices.decoder import DecodePipeline
from kiosk.devices.motion import MotionGate, thumbnail
from kiosk.devices.synth_clips import make_clip
from kiosk.devices.worker import DecodeWorker


def shifted(level: int) -> np.ndarray:
    return np.full((54, 96), level, np.int16)


@pytest.mark.parametrize(("levels", "plans"), [
    # first frame: nothing to compare with → full; still frames: full on the 1st, then every 4th
    ([10, 10, 10, 10, 10, 10], [True, True, False, False, False, True]),
    # moving (mean change 20 > 6): first pass only; the first still frame after it: full at once
    ([10, 30, 50, 70, 70, 70], [True, False, False, False, True, False]),
    # small changes (hand tremor, 3 grey levels) count as still
    ([10, 13, 10, 13, 10], [True, True, False, False, False]),
    # moving again after a still spell
    ([10, 10, 40, 40], [True, True, False, True]),
])
def test_motion_gate_plans(levels: list[int], plans: list[bool]) -> None:
    gate = MotionGate(threshold=6.0, full_every=4)
    assert [gate.plan(shifted(v)) for v in levels] == plans


def test_motion_gate_rejects_bad_settings_and_starts_over_on_a_new_size() -> None:
    with pytest.raises(ValueError, match="threshold > 0"):
        MotionGate(threshold=0)
    with pytest.raises(ValueError, match="full_every >= 1"):
        MotionGate(full_every=0)
    gate = MotionGate()
    assert gate.plan(shifted(0)) is True
    assert gate.plan(np.zeros((10, 96), np.int16)) is True  # another camera size: compare afresh


def test_thumbnail_of_colour_and_grey_frames() -> None:
    t = thumbnail(np.zeros((720, 1280, 3), np.uint8))
    assert t.shape == (54, 96) and t.dtype == np.int16
    assert thumbnail(np.zeros((480, 640), np.uint8)).shape == (72, 96)


def test_a_phone_moving_into_view_is_read_and_its_blurred_frames_get_the_first_pass_only(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.avi", np.random.default_rng([20261129, 0]), seconds=1.5)
    assert 0 < clip.appear_frame < clip.still_frame < clip.frames
    camera = camera_for(str(clip.path), realtime=True, loop=False)
    got: list[str] = []
    done = threading.Event()
    worker = DecodeWorker(camera, DecodePipeline(), lambda p, o: (got.append(p), done.set()), 3.0)
    worker.start()
    camera.start()
    try:
        assert done.wait(10), "the code in the clip was never read"
    finally:
        camera.stop()
        worker.stop()
    assert got == [clip.payload]
    assert worker.frames_quick > 0, "frames taken in motion should get the first pass only"
