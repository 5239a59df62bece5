"""A video of sample codes shown to the camera, for the demo and the UI tests.

Each code is held up like a phone screen for a few seconds, with empty scenery between
codes (so the duplicate window lets the next one through). Written with
cv2.VideoWriter (MJPG in an .avi: no extra codec needed) and read back by the real
camera path (cv2.VideoCapture). Generated at first run into the data folder: nothing
big is kept in git.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import segno

WIDTH, HEIGHT, FPS = 1280, 720, 15


def qr_image(payload: str, module_px: int = 6) -> np.ndarray:
    """The QR code as a BGR image with a white quiet zone."""
    qr = segno.make(payload, error="m", micro=False)
    matrix = np.array([[0 if bit else 255 for bit in row] for row in qr.matrix_iter(scale=1, border=4)], dtype=np.uint8)
    big = np.kron(matrix, np.ones((module_px, module_px), dtype=np.uint8))
    return cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)


def scene(t: float) -> np.ndarray:
    """A dim gate scene that moves a little, so frames are not identical."""
    frame = np.full((HEIGHT, WIDTH, 3), (48, 44, 40), dtype=np.uint8)
    x = int((t * 80) % WIDTH)
    cv2.rectangle(frame, (x, HEIGHT - 120), (x + 200, HEIGHT - 20), (70, 90, 110), -1)
    return frame


def phone_frame(code: np.ndarray, t: float, caption: str = "") -> np.ndarray:
    frame = scene(t)
    h, w = code.shape[:2]
    pad = 30
    ph, pw = h + 2 * pad + 80, w + 2 * pad
    y0, x0 = (HEIGHT - ph) // 2, (WIDTH - pw) // 2 + int(10 * np.sin(t * 3))  # a hand is never still
    cv2.rectangle(frame, (x0 - 12, y0 - 12), (x0 + pw + 12, y0 + ph + 12), (20, 20, 20), -1)  # the phone body
    frame[y0 : y0 + ph, x0 : x0 + pw] = 255
    frame[y0 + pad : y0 + pad + h, x0 + pad : x0 + pad + w] = code
    if caption:
        cv2.putText(frame, caption, (x0 + pad, y0 + ph - 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (30, 120, 30), 2)
    return frame


def write_video(path: Path, payloads: Sequence[str], *, show_s: float = 3.0, gap_s: float = 2.0,
                lead_s: float = 1.0, captions: Sequence[str] = ()) -> Path:
    """lead_s of empty scene, then each payload for show_s followed by gap_s of scene."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write a video at {path}")
    t = 0.0
    try:
        for _ in range(int(lead_s * FPS)):
            writer.write(scene(t))
            t += 1 / FPS
        for i, payload in enumerate(payloads):
            code = qr_image(payload)
            caption = captions[i] if i < len(captions) else ""
            for _ in range(int(show_s * FPS)):
                writer.write(phone_frame(code, t, caption))
                t += 1 / FPS
            for _ in range(int(gap_s * FPS)):
                writer.write(scene(t))
                t += 1 / FPS
    finally:
        writer.release()
    return path
