"""The hard synthetic cases: photos of LED/LCD screens, and codes on fabric or textured print.

A screen is drawn at its own pixel level: every screen pixel is three sub-pixel stripes
(R, G, B) with a dark gap (the black matrix), and the camera samples that grid at about
one camera pixel per screen pixel, so the grid beats against the sensor (moiré). A colour
tint (white balance off, a warm night mode) and a window reflection come on top. A
printed code is brown on a textured board, or on a wrinkled shirt (bent by a smooth random
displacement), often small. Used by synth.make_frame for the conditions listed here.
"""

from __future__ import annotations

import cv2
import numpy as np

Rng = np.random.Generator

SCREEN_CONDITIONS = ("screen_grid", "screen_tint")
SURFACE_CONDITIONS = ("textured_print", "wrinkled")


def screen_pixels(matrix: np.ndarray, px: int, rng: Rng) -> np.ndarray:
    """The code as an RGB screen shows it: `px` screen pixels a module, each 3x3 sub-pixels."""
    img: np.ndarray = np.where(matrix == 1, 0.06, 0.97).astype(np.float32)
    img = cv2.resize(img, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)
    margin = px * 3  # the app's white around the code
    img = np.pad(img, margin, constant_values=0.97)
    h, w = img.shape
    sub = np.zeros((h * 3, w * 3, 3), np.float32)
    gap = float(rng.uniform(0.05, 0.25))  # light between the stripes: the black matrix is not black
    big = np.repeat(np.repeat(img, 3, axis=0), 3, axis=1)
    for channel, column in ((2, 0), (1, 1), (0, 2)):  # BGR image: R stripe first
        sub[:, column::3, channel] = big[:, column::3]
    sub += gap * big[:, :, None] * 0.3
    sub[2::3, :, :] *= float(rng.uniform(0.3, 0.7))  # the dark row between screen pixels
    # a camera integrates the stripes: white on the screen is white in the photo
    white = sub[: 3 * margin, : 3 * margin].reshape(-1, 3).mean(axis=0) / 0.97
    return np.clip(sub / white * 255 / 1.6, 0, 255).astype(np.uint8)  # 8 bits: a phone-sized grid is big


def screen_frame(matrix: np.ndarray, scene: np.ndarray, rng: Rng, condition: str) -> tuple[np.ndarray, float]:
    """A phone screen showing the code, photographed close up; returns the frame and code side (px)."""
    height, width = scene.shape[:2]
    px = int(rng.integers(6, 10))  # screen pixels per module
    sub = screen_pixels(matrix, px, rng)
    # camera pixels per screen pixel: below 1, the grid is finer than the sensor and beats with it
    cam_per_screen = float(rng.uniform(0.55, 1.0))
    # the lens spreads light over about a camera pixel before the sensor samples it
    sub = cv2.GaussianBlur(sub, (0, 0), float(rng.uniform(0.1, 0.3)) * 3 / cam_per_screen)
    scale = cam_per_screen / 3.0
    h, w = sub.shape[:2]
    angle = np.deg2rad(float(rng.uniform(-8, 8)))
    cw, ch = w * scale, h * scale
    corners = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]], np.float32)
    corners[:2] *= float(rng.uniform(0.9, 1.0))  # a little tilt
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    pts = corners @ rot.T
    span = pts.max(axis=0) - pts.min(axis=0)
    fit = float(min(1.0, (width - 20) / span[0], (height - 20) / span[1]))
    pts *= fit
    span *= fit
    cx = rng.uniform(span[0] / 2 + 8, max(span[0] / 2 + 8, width - span[0] / 2 - 8))
    cy = rng.uniform(span[1] / 2 + 8, max(span[1] / 2 + 8, height - span[1] / 2 - 8))
    dst = (pts + np.array([cx, cy], np.float32)).astype(np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    # INTER_LINEAR from a much finer grid, no pre-filter: the sensor aliases the stripes.
    shot = cv2.warpPerspective(sub, m, (width, height), flags=cv2.INTER_LINEAR).astype(np.float32) * (1.6 / 255)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), m, (width, height), flags=cv2.INTER_LINEAR)
    gain = np.float32(rng.uniform(170, 235))
    if condition == "screen_tint":
        # white balance far off, or a night mode: one channel much dimmer than the others
        tint = np.array(rng.permutation([1.0, float(rng.uniform(0.6, 0.85)), float(rng.uniform(0.15, 0.35))]), np.float32)
    else:
        tint = np.array(rng.uniform(0.8, 1.0, 3), np.float32)
    lit = shot * gain * tint
    # a reflection: a soft bright band (a window or a ceiling lamp) across the screen
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    theta = float(rng.uniform(0, np.pi))
    d = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta) - float(rng.uniform(-0.3, 0.3)) * span.min()
    band = np.exp(-(d / (0.25 * span.min())) ** 2) * float(rng.uniform(25, 60))
    lit += band[:, :, None] * np.array(rng.uniform(0.7, 1.0, 3), np.float32)
    out = scene.astype(np.float32) * (1 - mask[:, :, None]) + lit * mask[:, :, None]
    return out, float(matrix.shape[0] * px * cam_per_screen * fit)


def _texture(h: int, w: int, rng: Rng) -> np.ndarray:
    """Cardboard or cloth: fibres and blotches, 0..1."""
    noise = rng.standard_normal((h, w)).astype(np.float32)
    fibres = cv2.GaussianBlur(noise, (0, 0), sigmaX=float(rng.uniform(2, 5)), sigmaY=0.7)
    blotch = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 12)
    tex = 0.5 + 0.9 * fibres / (fibres.std() + 1e-6) * 0.12 + blotch / (blotch.std() + 1e-6) * 0.08
    return np.clip(tex, 0, 1)


def surface_frame(matrix: np.ndarray, scene: np.ndarray, rng: Rng, condition: str) -> tuple[np.ndarray, float]:
    """Brown print on a textured board, or a code on a wrinkled shirt; small in the frame."""
    height, width = scene.shape[:2]
    module = float(rng.uniform(2.2, 3.2))
    side = int(round(matrix.shape[0] * module))
    code = cv2.resize(matrix.astype(np.float32), (side, side), interpolation=cv2.INTER_AREA)
    pad = side // 3
    ink = np.pad(code, pad)
    h, w = ink.shape
    tex = _texture(h, w, rng)
    card: np.ndarray
    if condition == "textured_print":
        paper = np.array([150, 190, 215], np.float32) * (0.75 + 0.5 * tex[:, :, None])  # kraft board, BGR
        brown = np.array([40, 75, 115], np.float32) * (0.8 + 0.4 * tex[:, :, None])
        strength = 0.75 + 0.25 * tex[:, :, None]  # ink soaks in unevenly
        card = paper * (1 - ink[:, :, None] * strength) + brown * ink[:, :, None] * strength
    else:
        cloth = np.array(rng.uniform(200, 245, 3), np.float32) * (0.85 + 0.3 * tex[:, :, None])
        card = cloth * (1 - 0.85 * ink[:, :, None])
        # wrinkles: a smooth random displacement field, and shading along the folds
        amp = float(rng.uniform(2.0, 4.0))
        field_x = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), side / 6)
        field_y = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), side / 6)
        field_x *= amp / (np.abs(field_x).max() + 1e-6)
        field_y *= amp / (np.abs(field_y).max() + 1e-6)
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        card = cv2.remap(card, gx + field_x, gy + field_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        shade = 1.0 + 0.35 * cv2.Sobel(field_x + field_y, cv2.CV_32F, 1, 1, ksize=5) / (amp + 1e-6)
        card *= np.clip(shade, 0.6, 1.3)[:, :, None]
    angle = float(rng.uniform(-20, 20))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    x0 = float(rng.uniform(0, width - w * 1.3))
    y0 = float(rng.uniform(0, height - h * 1.3))
    m[:, 2] += (x0 + 0.15 * w, y0 + 0.15 * h)
    warped = cv2.warpAffine(card, m, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(np.ones((h, w), np.float32), m, (width, height), flags=cv2.INTER_LINEAR)
    out = scene.astype(np.float32) * (1 - mask[:, :, None]) + warped * mask[:, :, None]
    return cv2.GaussianBlur(out, (0, 0), 0.6), float(side)
