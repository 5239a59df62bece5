"""Short synthetic video clips: a phone held up to the camera, moving into view, then still.

Each clip (30 fps, 1280x720) starts on the empty scene, then a phone showing a QR code comes
in from an edge, slows down (ease-out) and stops where the person holds it, with a little
hand tremor. While it moves, each frame is smeared along the motion by the exposure
(motion blur, half a frame period). Written as a real video file (MJPG in AVI) so the
benchmark reads it through cv2.VideoCapture like a camera. Used by
tests/benchmarks/bench_appear.py and the device tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.devices import synth

FPS = 30
EXPOSURE = 0.5  # of the frame period: ~17 ms, an indoor webcam


@dataclass(frozen=True)
class Clip:
    path: Path
    payload: str
    appear_frame: int  # first frame (0-based) with the whole code inside the picture
    still_frame: int  # first frame where the phone moves less than 1 px a frame
    frames: int


def _motion_blur(layer: np.ndarray, dx: float, dy: float) -> np.ndarray:
    length = float(np.hypot(dx, dy))
    if length < 1.0:
        return layer
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    cv2.line(kernel, (int(round(c - dx / 2)), int(round(c - dy / 2))), (int(round(c + dx / 2)), int(round(c + dy / 2))), 1.0, 1)
    kernel /= max(float(kernel.sum()), 1e-6)
    return cv2.filter2D(layer, -1, kernel)


def make_clip(path: Path, rng: np.random.Generator, seconds: float = 2.0) -> Clip:
    """Write one clip to `path`; returns where the code appears and when the phone is still."""
    payload = synth.make_payload(str(rng.choice(synth.PAYLOAD_KINDS)), rng)
    matrix = synth.qr_matrix(payload)
    px = int(rng.integers(4, 6))
    card = synth._card(matrix, px, (20, 20, 20), (245, 245, 245), True, rng).astype(np.float32)
    side = matrix.shape[0] * px  # where _card puts the code on the phone
    x0, y0 = max(6, side // 14) + side // 8, max(6, side // 14) + side // 3
    code_corners = np.array([[[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side]]], np.float32)
    ch, cw = card.shape[:2]
    scale = float(rng.uniform(0.8, 1.0))
    scene = synth._clutter(rng, heavy=False).astype(np.float32)
    # the scene is still: a few noisy copies of it, cycled, instead of fresh noise on every frame
    noisy = [np.clip(scene + rng.standard_normal(scene.shape, dtype=np.float32) * np.float32(2.0), 0, 255).astype(np.uint8)
             for _ in range(3)]
    w, h = synth.WIDTH, synth.HEIGHT
    rest = np.array([rng.uniform(0.35, 0.65) * w, rng.uniform(0.4, 0.6) * h])
    edge = int(rng.integers(0, 3))  # from below, from the left, from the right
    start = rest + np.array([[0.0, h * 0.9], [-w * 0.6, 0.0], [w * 0.6, 0.0]][edge])
    empty = int(rng.integers(6, 12))  # frames before the phone enters
    move = int(round(FPS * rng.uniform(0.35, 0.6)))  # frames of movement
    angle0, angle1 = float(rng.uniform(-25, 25)), float(rng.uniform(-8, 8))
    total = int(FPS * seconds)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write a video at {path}")
    appear, still = -1, -1
    prev_pos = start.copy()

    def pose(i: int) -> tuple[np.ndarray, float]:
        t = min(1.0, max(0.0, (i - empty) / move))
        ease = 1 - (1 - t) ** 3  # fast in, slowing down
        tremor = rng.normal(0, 0.6, 2) if t >= 1.0 else np.zeros(2)
        return start + (rest - start) * ease + tremor, angle0 + (angle1 - angle0) * ease

    for i in range(total):
        frame = noisy[i % len(noisy)].copy()
        if i >= empty:
            pos, angle = pose(i)
            m = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, scale)
            m[:, 2] += pos - np.array([cw / 2, ch / 2])
            d = (pos - prev_pos) * EXPOSURE
            # work in the card's box (plus the blur) only: a whole-frame blur costs seconds a clip
            box = cv2.transform(np.array([[[0, 0], [cw, 0], [cw, ch], [0, ch]]], np.float32), m)[0]
            pad = int(np.hypot(*d)) + 2
            bx0, by0 = max(0, int(box[:, 0].min()) - pad), max(0, int(box[:, 1].min()) - pad)
            bx1, by1 = min(w, int(box[:, 0].max()) + pad + 1), min(h, int(box[:, 1].max()) + pad + 1)
            if bx1 > bx0 and by1 > by0:
                local = m.copy()
                local[:, 2] -= (bx0, by0)
                size = (bx1 - bx0, by1 - by0)
                layer = cv2.warpAffine(card, local, size, flags=cv2.INTER_LINEAR)
                mask = cv2.warpAffine(np.ones((ch, cw), np.float32), local, size, flags=cv2.INTER_LINEAR)
                layer, mask = _motion_blur(layer, *d), _motion_blur(mask, *d)
                roi = frame[by0:by1, bx0:bx1].astype(np.float32)
                roi = roi * (1 - mask[:, :, None]) + layer + rng.standard_normal(roi.shape, dtype=np.float32) * np.float32(2.0)
                frame[by0:by1, bx0:bx1] = np.clip(roi, 0, 255).astype(np.uint8)
            corners = cv2.transform(code_corners, m)[0]
            if appear < 0 and corners.min() >= 0 and (corners[:, 0].max() < w) and (corners[:, 1].max() < h):
                appear = i
            if still < 0 and i > empty and np.hypot(*(pos - prev_pos)) < 1.0:
                still = i
            prev_pos = pos
        writer.write(frame)
    writer.release()
    return Clip(path, payload, appear, still, total)
