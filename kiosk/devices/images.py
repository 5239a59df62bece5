"""Still images (PNG, JPEG, …) as frames for the decode pipeline.

Transparent pixels are laid on white (a QR saved as black-on-transparent would otherwise
be black on black) and 16-bit images are brought to 8 bits.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_IMAGE_PIXELS = 100_000_000  # a small PNG can claim 60000x60000 pixels: refuse, do not allocate
# OpenCV reads this once, when cv2 is first imported (import this module before cv2 to get it).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))

import cv2  # noqa: E402
import numpy as np  # noqa: E402


class ImageError(ValueError):
    """An image that cannot be read; the message says why."""


def decode_image_bytes(data: bytes) -> np.ndarray:
    if not data:
        raise ImageError("empty file")
    try:
        image: np.ndarray | None = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        raise ImageError(f"larger than {os.environ['OPENCV_IO_MAX_IMAGE_PIXELS']} pixels") from None
    if image is None or image.size == 0:
        raise ImageError("not an image OpenCV can read (PNG, JPEG, BMP, TIFF, WebP …)")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image.astype(np.float32), np.empty(image.shape, np.float32), 0, 255,
                              cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        image = (image[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return image


def load_image(path: str | Path) -> np.ndarray:
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ImageError("is a folder, not a file")
        if not path.is_file():
            raise ImageError("not a regular file")
        if size > MAX_FILE_BYTES:
            raise ImageError(f"{size} bytes is larger than the {MAX_FILE_BYTES} byte limit")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageError("no such file") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except IsADirectoryError:
        raise ImageError("is a folder, not a file") from None
    except OSError as exc:
        raise ImageError(f"cannot read: {exc.strerror or exc}") from None
    return decode_image_bytes(data)
