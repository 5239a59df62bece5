"""Synthetic camera frames with known QR payloads, reproducible from a seed.

Used by the decode benchmark (tests/benchmarks/bench_decode.py), by the device tests and
by the `synthetic` camera (a stand-in for a camera we do not have). A frame is a code on a
phone screen or on paper, placed over a cluttered scene by a perspective warp, then
degraded according to one named condition. Payloads come in three sizes: a ~60-byte URL
token, a ~350-byte signed token and a ~600-character `HC1:` string.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import segno

from kiosk.devices import synth_hard

WIDTH, HEIGHT = 1280, 720
DEFAULT_SEED = 20261128

CONDITIONS: tuple[str, ...] = (
    "phone", "paper", "clutter", "small_modules", "rotation", "perspective", "defocus",
    "motion_blur", "noise", "low_contrast", "uneven_light", "glare", "green_code",
    "yellow_code", "inverted", "no_code", "other_barcodes",
    # added later, at the end so the frames above stay the same: see synth_hard.py
    *synth_hard.SCREEN_CONDITIONS, *synth_hard.SURFACE_CONDITIONS,
)
NO_CODE_CONDITIONS = frozenset({"no_code", "other_barcodes"})
PAYLOAD_KINDS: tuple[str, ...] = ("url", "signed", "hc1")

B45 = string.digits + string.ascii_uppercase + " $%*+-./:"
B64URL = string.ascii_letters + string.digits + "-_"

Rng = np.random.Generator


@dataclass(frozen=True)
class SynthFrame:
    image: np.ndarray  # BGR uint8, HEIGHT x WIDTH
    payload: str | None  # None: no QR code in the frame
    condition: str
    payload_kind: str


def _pick(rng: Rng, alphabet: str, n: int) -> str:
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), n))


def make_payload(kind: str, rng: Rng) -> str:
    if kind == "url":  # an opaque provincial health-code token, ~60 bytes
        return "https://jkm.example.gov.cn/v?t=" + _pick(rng, B64URL, 29)
    if kind == "signed":  # a signed offline regional code, ~350 bytes
        return "HCN1:" + _pick(rng, B64URL, 345)
    if kind == "hc1":  # an EU DCC: HC1: + Base45, ~600 characters
        return "HC1:" + _pick(rng, B45, 596)
    raise ValueError(f"unknown payload kind {kind!r}")


def qr_matrix(payload: str, error: str = "m") -> np.ndarray:
    """Modules as uint8 (1 = dark), with a 4-module quiet zone."""
    qr = segno.make_qr(payload, error=error, boost_error=False)
    return np.pad(np.array(qr.matrix, dtype=np.uint8), 4)


def _clutter(rng: Rng, heavy: bool) -> np.ndarray:
    top, bottom = rng.integers(60, 200, 3), rng.integers(60, 200, 3)
    ramp = np.linspace(0.0, 1.0, HEIGHT)[:, None, None]
    img = (top * (1 - ramp) + bottom * ramp).repeat(WIDTH, axis=1).astype(np.uint8)
    for _ in range(int(rng.integers(25, 60) if heavy else rng.integers(6, 14))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        shape = rng.integers(0, 4)
        if shape == 0:
            cv2.rectangle(img, (x, y), (x + int(rng.integers(20, 260)), y + int(rng.integers(20, 200))), colour, -1)
        elif shape == 1:
            cv2.circle(img, (x, y), int(rng.integers(10, 90)), colour, -1)
        elif shape == 2:
            end = (int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT)))
            cv2.line(img, (x, y), end, colour, int(rng.integers(1, 8)))
        else:
            cv2.putText(img, _pick(rng, string.ascii_letters + string.digits, 8), (x, y),
                        cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.5, 2.0)), colour, 2)
    if heavy:  # finder-pattern look-alikes and a checkerboard, the usual false-positive bait
        for _ in range(4):
            s, x, y = int(rng.integers(14, 50)), int(rng.integers(0, WIDTH - 60)), int(rng.integers(0, HEIGHT - 60))
            cv2.rectangle(img, (x, y), (x + s, y + s), (0, 0, 0), -1)
            cv2.rectangle(img, (x + s // 7, y + s // 7), (x + s - s // 7, y + s - s // 7), (255, 255, 255), -1)
            cv2.rectangle(img, (x + 2 * s // 7, y + 2 * s // 7), (x + s - 2 * s // 7, y + s - 2 * s // 7), (0, 0, 0), -1)
        x, y = int(rng.integers(0, WIDTH - 200)), int(rng.integers(0, HEIGHT - 200))
        board = (np.indices((8, 8)).sum(axis=0) % 2 * 255).astype(np.uint8)
        board = cv2.resize(board, (160, 160), interpolation=cv2.INTER_NEAREST)
        img[y:y + 160, x:x + 160] = board[:, :, None]
    return img


def _card(matrix: np.ndarray, px: int, fg: tuple[int, int, int], bg: tuple[int, int, int],
          phone: bool, rng: Rng) -> np.ndarray:
    """The code drawn on a phone screen (dark bezel, header bar) or a sheet of paper."""
    code: np.ndarray = np.where(matrix[:, :, None] == 1, np.array(fg, np.uint8), np.array(bg, np.uint8)).astype(np.uint8)
    code = cv2.resize(code, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)
    side = code.shape[0]
    if phone:
        pad_x, pad_top, pad_bottom, bezel = side // 8, side // 3, side // 3, max(6, side // 14)
        h, w = side + pad_top + pad_bottom, side + 2 * pad_x
        card = np.full((h + 2 * bezel, w + 2 * bezel, 3), 25, np.uint8)
        card[bezel:bezel + h, bezel:bezel + w] = bg
        header = tuple(int(c) for c in rng.choice([(60, 170, 40), (40, 40, 200), (200, 120, 30)]))
        card[bezel:bezel + pad_top // 2, bezel:bezel + w] = header
        card[bezel + pad_top:bezel + pad_top + side, bezel + pad_x:bezel + pad_x + side] = code
        return card
    margin = side // 5
    card = np.full((side + 3 * margin, side + 2 * margin, 3), bg, np.uint8)
    card[margin:margin + side, margin:margin + side] = code
    for i in range(3):  # lines of print under the code
        y = 2 * margin + side // 1 + i * margin // 3
        cv2.line(card, (margin, y), (margin + int(side * rng.uniform(0.4, 1.0)), y), (60, 60, 60), max(1, px // 2))
    return card


def _warp_into(frame: np.ndarray, card: np.ndarray, rng: Rng, angle: float, tilt: float,
               scale: float) -> tuple[float, float]:
    """Paste `card` into `frame` rotated by `angle` degrees, tilted (0..0.5) and scaled; its centre."""
    h, w = card.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    cw, ch = w * scale, h * scale
    # Tilt: shrink one edge to fake a phone held at an angle.
    shrink = tilt * min(cw, ch)
    side = int(rng.integers(0, 4))
    corners = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]], np.float32)
    near = [(0, 1), (1, 2), (2, 3), (3, 0)][side]
    for i in near:
        corners[i] *= 1 - shrink / max(cw, ch)
    rad = np.deg2rad(angle)
    rot = np.array([[np.cos(rad), -np.sin(rad)], [np.sin(rad), np.cos(rad)]], np.float32)
    pts = corners @ rot.T
    span = pts.max(axis=0) - pts.min(axis=0)
    if span[0] > WIDTH - 12 or span[1] > HEIGHT - 12:  # keep the whole card in view
        pts *= float(min((WIDTH - 12) / span[0], (HEIGHT - 12) / span[1]))
        span = pts.max(axis=0) - pts.min(axis=0)
    cx = rng.uniform(span[0] / 2 + 4, max(span[0] / 2 + 4, WIDTH - span[0] / 2 - 4))
    cy = rng.uniform(span[1] / 2 + 4, max(span[1] / 2 + 4, HEIGHT - span[1] / 2 - 4))
    dst = (pts - (pts.max(axis=0) + pts.min(axis=0)) / 2 + np.array([cx, cy], np.float32)).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(card, m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    frame[:] = (warped * alpha + frame * (1 - alpha)).astype(np.uint8)
    return float(cx), float(cy)


def _other_barcodes(frame: np.ndarray, rng: Rng) -> None:
    import zxingcpp

    fmt = zxingcpp.BarcodeFormat
    for content, f, scale in (("5901234123457", fmt.EAN13, 3), ("PKG-" + _pick(rng, string.digits, 8), fmt.Code128, 2),
                              ("LOT" + _pick(rng, string.digits, 6), fmt.DataMatrix, 6)):
        img = np.array(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(content, f), scale=scale))
        card = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        _warp_into(frame, card, rng, float(rng.uniform(-15, 15)), 0.0, float(rng.uniform(0.8, 1.2)))


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    k: np.ndarray = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    return k / max(float(k.sum()), 1e-6)


def make_frame(condition: str, payload_kind: str, rng: Rng) -> SynthFrame:
    """One 1280x720 BGR frame for a condition (see CONDITIONS)."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}")
    frame = _clutter(rng, heavy=condition in ("clutter", "no_code", "other_barcodes"))
    payload: str | None = None
    centre, code_side = (WIDTH / 2, HEIGHT / 2), 0.0
    img: np.ndarray
    if condition == "other_barcodes":
        _other_barcodes(frame, rng)
    elif condition in synth_hard.SCREEN_CONDITIONS or condition in synth_hard.SURFACE_CONDITIONS:
        payload = make_payload(payload_kind, rng)
        make = synth_hard.screen_frame if condition in synth_hard.SCREEN_CONDITIONS else synth_hard.surface_frame
        img, _side = make(qr_matrix(payload), frame, rng, condition)
        img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(3.0)
        return SynthFrame(np.clip(img, 0, 255).astype(np.uint8), payload, condition, payload_kind)
    elif condition != "no_code":
        payload = make_payload(payload_kind, rng)
        matrix = qr_matrix(payload)
        phone = condition in ("phone", "glare", "green_code", "yellow_code", "inverted") or (
            condition not in ("paper",) and bool(rng.integers(0, 2)))
        fg: tuple[int, int, int] = (20, 20, 20)
        if condition == "green_code":
            fg = (60, 190, 40)  # BGR: the pale green of a health-code app
        elif condition == "yellow_code":
            fg = (30, 215, 250)
        bg = (245, 245, 245) if phone else (225, 228, 222)
        if condition == "inverted":  # a phone in dark mode: light modules on a dark screen
            fg, bg = (235, 235, 235), (30, 30, 30)
        target = float(rng.uniform(1.6, 2.2) if condition == "small_modules" else rng.uniform(3.5, 6.0))
        px = max(2, int(np.ceil(target)))
        card = _card(matrix, px, fg, bg, phone, rng)
        angle = float(rng.uniform(0, 360) if condition == "rotation" else rng.uniform(-10, 10))
        tilt = float(rng.uniform(0.35, 0.6) if condition == "perspective" else rng.uniform(0.0, 0.08))
        centre = _warp_into(frame, card, rng, angle, tilt, target / px)
        code_side = matrix.shape[0] * target
    img = frame.astype(np.float32)
    sigma_extra = 0.0
    if condition == "defocus":
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(1.5, 2.4)))
    elif condition == "motion_blur":
        img = cv2.filter2D(img, -1, _motion_kernel(int(rng.integers(7, 14)), float(rng.uniform(0, 180))))
    elif condition in ("green_code", "yellow_code"):
        # A coloured code in a dim, grainy 7 a.m. picture: the camera halves the exposure.
        img = img * float(rng.uniform(0.4, 0.6))
        sigma_extra = 6.0
    elif condition == "low_contrast":
        img = 110 + img * float(rng.uniform(0.12, 0.2))
    elif condition == "uneven_light":
        # Light from one side: brightness falls to 20 % away from a random bright point.
        cx, cy = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        xs = (np.arange(WIDTH, dtype=np.float32) - cx) ** 2
        ys = (np.arange(HEIGHT, dtype=np.float32) - cy) ** 2
        dist = np.sqrt(ys[:, None] + xs[None, :]) / np.hypot(WIDTH, HEIGHT)
        img = img * (1.0 - 0.8 * np.clip(dist * 1.6, 0, 1))[:, :, None]
    elif condition == "glare" and payload is not None:
        # A reflection on the screen: a bright blob over part of the code (the phone card is
        # centred on the code), small enough for error correction level M to recover.
        spot: np.ndarray = np.zeros((HEIGHT, WIDTH), np.float32)
        x = centre[0] + rng.uniform(-0.25, 0.25) * code_side
        y = centre[1] + rng.uniform(-0.25, 0.25) * code_side
        axes = (int(code_side * rng.uniform(0.12, 0.2)), int(code_side * rng.uniform(0.06, 0.11)))
        cv2.ellipse(spot, (int(x), int(y)), axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        spot = cv2.GaussianBlur(spot, (0, 0), 6)
        img = img + spot[:, :, None] * 200
    sigma = float(rng.uniform(20, 32)) if condition == "noise" else 2.0 + sigma_extra
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(sigma)
    image = np.clip(img, 0, 255).astype(np.uint8)
    return SynthFrame(image, payload, condition, payload_kind)


def frame_set(per_condition: int, seed: int = DEFAULT_SEED,
              conditions: tuple[str, ...] = CONDITIONS) -> Iterator[SynthFrame]:
    """`per_condition` frames for each condition, payload sizes in turn; the same every run."""
    for ci, condition in enumerate(CONDITIONS):
        if condition not in conditions:
            continue
        for i in range(per_condition):
            rng = np.random.default_rng([seed, ci, i])
            yield make_frame(condition, PAYLOAD_KINDS[i % len(PAYLOAD_KINDS)], rng)
