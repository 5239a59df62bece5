"""QR decoding behind one small interface, with two real backends and the frame pipeline.

- `ZxingBackend` (zxing-cpp) and `PyzbarBackend` (zbar through pyzbar) both read QR codes
  only, from a greyscale uint8 image, and return the payloads as text.
- `DecodePipeline` is what the kiosk runs on every camera frame and every still image:
  it checks the frame, scales very large frames down, converts colour to grey (by default
  the per-pixel minimum of B, G, R, which keeps green and yellow health codes dark) and
  asks one backend; when that finds nothing, it retries once in luma grey scaled up 2×
  (screens, small and textured codes) if the frame's CPU budget allows. It never raises: a
  broken frame gives no codes. Payloads come back exactly as encoded (no control character
  is rewritten).

The default backend and grey conversion were chosen by tests/benchmarks/bench_decode.py
(figures in docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from ctypes import c_void_p, cast
from typing import Any, Protocol

import cv2
import numpy as np

log = logging.getLogger(__name__)

GRAY_METHODS = ("min", "luma")
MIN_SIDE = 21  # a QR code has at least 21 modules; anything smaller cannot hold one


class QrBackend(Protocol):
    name: str

    def decode_gray(self, gray: np.ndarray) -> list[str]:
        """Payloads of the QR codes in a 2-D uint8 image (may raise; the pipeline catches)."""
        ...


class ZxingBackend:
    """zxing-cpp restricted to QR codes; it applies ECI and guesses UTF-8/GB18030 itself.

    When it finds a QR symbol it cannot decode (typically an out-of-focus phone), it tries
    once more on a sharpened copy (unsharp mask). The retry runs only then, so empty
    frames cost nothing extra (measured in bench_decode.py: defocus 57 % → 90 %).
    """

    name = "zxing"

    def __init__(self, try_invert: bool = True, sharpen_retry: bool = True) -> None:
        import zxingcpp

        # try_invert also reads light-on-dark codes (a phone in dark mode); it costs a
        # second pass on frames where nothing was found (measured in bench_decode.py).
        self._try_invert = try_invert
        self._sharpen_retry = sharpen_retry
        self.name = "zxing" + ("" if try_invert else "-noinvert") + ("" if sharpen_retry else "-nosharpen")
        self._zx = zxingcpp
        self._qr = zxingcpp.BarcodeFormat.QRCode
        self._formats = zxingcpp.BarcodeFormats(self._qr)
        self._plain = zxingcpp.TextMode.Plain

    def _read(self, gray: np.ndarray, errors: bool) -> list[Any]:
        # TextMode.Plain: the bytes as text (ECI or charset guess applied), nothing else. The
        # default (HRI) writes control characters as names ("<SOH>", "<GS>"): an altered payload.
        return [r for r in self._zx.read_barcodes(gray, formats=self._formats, try_invert=self._try_invert,
                                                  text_mode=self._plain, return_errors=errors)
                if r.format == self._qr]

    def decode_gray(self, gray: np.ndarray) -> list[str]:
        found = self._read(gray, errors=self._sharpen_retry)
        texts = [r.text for r in found if r.valid]
        if texts or not found:
            return texts
        # Seen but not readable: sharpen (2·img − blur) and look again.
        sharp = cv2.addWeighted(gray, 2.0, cv2.GaussianBlur(gray, (0, 0), 1.5), -1.0, 0)
        return [r.text for r in self._read(sharp, errors=False) if r.valid]


class PyzbarBackend:
    """zbar through pyzbar, QR only, with one long-lived scanner per backend.

    pyzbar's own `decode()` lets zbar guess the text encoding when a QR carries no ECI
    header, and it turns plain UTF-8 such as "Müller" into mojibake. Here zbar runs in
    binary mode (raw bytes) and the bytes are read as UTF-8; only bytes that are not UTF-8
    are scanned again with zbar's own ECI-aware conversion.
    """

    name = "pyzbar"
    _CFG_BINARY = 4  # ZBAR_CFG_BINARY in zbar >= 0.23; pyzbar's enum does not list it

    def __init__(self) -> None:
        from pyzbar import pyzbar, wrapper

        self._pz, self._w = pyzbar, wrapper
        self._lock = threading.Lock()  # a zbar scanner is not thread-safe
        self._binary = self._new_scanner(binary=True)
        self._text = self._new_scanner(binary=False)

    def _new_scanner(self, *, binary: bool) -> Any:
        w = self._w
        scanner = w.zbar_image_scanner_create()
        # Symbology 0 addresses every decoder: switch them all off, then QR back on.
        w.zbar_image_scanner_set_config(scanner, w.ZBarSymbol.NONE, w.ZBarConfig.CFG_ENABLE, 0)
        w.zbar_image_scanner_set_config(scanner, w.ZBarSymbol.QRCODE, w.ZBarConfig.CFG_ENABLE, 1)
        if binary:
            w.zbar_image_scanner_set_config(scanner, w.ZBarSymbol.QRCODE, self._CFG_BINARY, 1)
        return scanner

    def _scan(self, scanner: Any, gray: np.ndarray) -> list[bytes]:
        w, pz = self._w, self._pz
        pixels = np.ascontiguousarray(gray).tobytes()
        height, width = gray.shape
        with pz._image() as img:
            w.zbar_image_set_format(img, pz._FOURCC["L800"])
            w.zbar_image_set_size(img, width, height)
            w.zbar_image_set_data(img, cast(pixels, c_void_p), len(pixels), None)  # type: ignore[arg-type]
            if w.zbar_scan_image(scanner, img) < 0:
                raise RuntimeError("zbar rejected the image")
            return [d.data for d in pz._decode_symbols(pz._symbols_for_image(img)) if d.type == "QRCODE"]

    def decode_gray(self, gray: np.ndarray) -> list[str]:
        with self._lock:
            out: list[str] = []
            for raw in self._scan(self._binary, gray):
                try:
                    out.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    # Not UTF-8: let zbar apply the ECI header / its own guess.
                    out.extend(t.decode("utf-8", "replace") for t in self._scan(self._text, gray))
                    break
            return list(dict.fromkeys(out))

    def __del__(self) -> None:
        w = getattr(self, "_w", None)
        if w is not None:
            for scanner in (getattr(self, "_binary", None), getattr(self, "_text", None)):
                if scanner is not None:
                    w.zbar_image_scanner_destroy(scanner)


BACKENDS: dict[str, Callable[[], QrBackend]] = {"zxing": ZxingBackend, "pyzbar": PyzbarBackend}


def make_backend(name: str, sharpen_retry: bool = True) -> QrBackend:
    if name == "zxing":
        return ZxingBackend(sharpen_retry=sharpen_retry)
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown QR decoder backend {name!r}; choose one of {', '.join(BACKENDS)}") from None
    return factory()


def to_gray(frame: np.ndarray, method: str = "min") -> np.ndarray:
    """2-D uint8 grey image from a grey, BGR or BGRA frame."""
    if frame.ndim == 2:
        return frame
    channels = frame.shape[2]
    if channels == 1:
        return frame[:, :, 0]
    bgr = frame[:, :, :3]
    if method == "min":
        # Dark = whichever channel is darkest: a green or yellow module has a dark blue
        # (and for green, red) channel, so it stays dark where plain luma turns it pale.
        return np.minimum(np.minimum(bgr[:, :, 0], bgr[:, :, 1]), bgr[:, :, 2])
    if method == "luma":
        return cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2GRAY)
    raise ValueError(f"unknown grey conversion {method!r}; choose one of {', '.join(GRAY_METHODS)}")


def normalise(frame: Any, max_side: int) -> np.ndarray | None:
    """A uint8 frame of sane shape and size, or None when it cannot hold a code."""
    if not isinstance(frame, np.ndarray) or frame.size == 0:
        return None
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
        return None
    if min(frame.shape[:2]) < MIN_SIDE:
        return None
    if frame.dtype != np.uint8:
        if frame.dtype == np.bool_:
            frame = frame.astype(np.uint8) * 255
        else:
            frame = np.nan_to_num(frame.astype(np.float64))
            if frame.max() <= 1.0:  # a float image in 0..1
                frame = frame * 255.0
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    height, width = frame.shape[:2]
    longest = max(height, width)
    if longest > max_side:
        scale = max_side / longest
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return frame


class DecodePipeline:
    """Frame → QR payloads: check, scale, grey, decode, retry within a budget. Never raises.

    The first pass reads the configured grey (min(B,G,R) keeps yellow and green codes dark).
    When it finds nothing, one retry runs if the frame's budget allows:
    the luma grey (plain luma, not min(B,G,R): a photo of an LED/LCD screen with a colour tint
    or a visible sub-pixel grid reads better in luma, where the dim channel of min(B,G,R)
    brings out the dot pattern), scaled up 2× for frames up to 1280 px (small modules,
    moiré, textured or wrinkled surfaces: the binariser gets more pixels per module).
    A retry starts only if its expected cost (from the first pass's time) fits in what is
    left of `budget_ms`, counted in this thread's CPU time: what the frame costs the kiosk,
    whatever else the machine runs (wall time would drop the retry whenever another
    process holds the core; the worker's frame pacing bounds the wall time).
    `decode(frame, quick=True)` runs the first pass only: the decode worker asks for that on
    frames taken while the picture moves (see docs/devices.md).
    """

    UPSCALE_MAX_SIDE = 1280  # 2× of a 720p frame; larger frames have pixels enough

    def __init__(self, backend: QrBackend | str = "zxing", gray: str = "min", max_side: int = 2560,
                 sharpen_retry: bool = True, retries: bool = True, budget_ms: float = 30.0) -> None:
        if gray not in GRAY_METHODS:
            raise ValueError(f"unknown grey conversion {gray!r}; choose one of {', '.join(GRAY_METHODS)}")
        if budget_ms <= 0:
            raise ValueError(f"decode budget must be > 0 ms, got {budget_ms}")
        self.backend = make_backend(backend, sharpen_retry) if isinstance(backend, str) else backend
        self.gray = gray
        self.max_side = max_side
        self.retries = retries
        self.budget_ms = budget_ms
        self.last_pass = ""  # which pass found the code (for benchmarks and logs)

    @property
    def name(self) -> str:
        return f"{self.backend.name}/{self.gray}" + ("+retries" if self.retries else "")

    def _read(self, gray: np.ndarray) -> list[str]:
        return [p for p in dict.fromkeys(self.backend.decode_gray(np.ascontiguousarray(gray))) if p]

    def decode(self, frame: Any, quick: bool = False) -> list[str]:
        try:
            started = time.thread_time()
            image = normalise(frame, self.max_side)
            if image is None:
                return []
            self.last_pass = self.gray
            codes = self._read(to_gray(image, self.gray))
            if codes or quick or not self.retries:
                return codes
            return self._retry(image, started)
        except Exception:  # a decoder bug must not stop the gate: log it, report no code
            log.exception("QR decoding failed on a %s frame", getattr(frame, "shape", type(frame).__name__))
            return []

    def _retry(self, image: np.ndarray, started: float) -> list[str]:
        first_ms = (time.thread_time() - started) * 1000

        def fits(cost_ms: float) -> bool:
            return (time.thread_time() - started) * 1000 + cost_ms <= self.budget_ms

        colour = image.ndim == 3 and image.shape[2] >= 3
        luma = to_gray(image, "luma") if colour else to_gray(image, self.gray)
        if max(luma.shape) <= self.UPSCALE_MAX_SIDE:
            # measured (bench_decode.py): the upscaled luma reads every case plain luma reads and
            # more, for about 3× the first pass
            if fits(3 * first_ms):
                self.last_pass = "luma 2x"
                return self._read(cv2.resize(luma, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR))
        elif colour and self.gray != "luma" and fits(first_ms):
            self.last_pass = "luma"
            return self._read(luma)
        return []
