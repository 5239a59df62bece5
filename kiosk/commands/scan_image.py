"""`kiosk scan-image [--json] FILE...`: decode still images with the kiosk's own pipeline.

Contract (other tools call it): with --json, one JSON object per file, in the order given,
each on its own line: {"file": ..., "codes": [payload, ...], "ms": decode_time}; a file
that cannot be read gets {"file": ..., "codes": [], "ms": 0, "error": reason}. Exit 0 when
every file was read (even with no codes found), 2 when any file could not be read.
Never imports kivy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from kiosk.commands import config_from


def register(sub: Any) -> None:
    p = sub.add_parser("scan-image", help="decode QR codes in PNG/JPEG files with the kiosk's own pipeline")
    p.add_argument("--json", action="store_true", help="one JSON object per file: file, codes, ms")
    p.add_argument("files", nargs="+", metavar="FILE", help="image files (PNG, JPEG, …)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # images first: it sets OpenCV's pixel limit before cv2 is imported
    from kiosk.devices.images import ImageError, load_image  # isort: skip
    from kiosk.devices.factory import make_decoder  # isort: skip

    pipeline = make_decoder(config_from(args))
    status = 0
    for name in args.files:
        try:
            image = load_image(name)
        except ImageError as exc:
            status = 2
            print(f"kiosk scan-image: {name}: {exc}", file=sys.stderr)
            if args.json:
                print(json.dumps({"file": name, "codes": [], "ms": 0, "error": str(exc)}, ensure_ascii=False))
            continue
        started = time.perf_counter()
        codes = pipeline.decode(image)
        ms = round((time.perf_counter() - started) * 1000, 2)
        if args.json:
            print(json.dumps({"file": name, "codes": codes, "ms": ms}, ensure_ascii=False), flush=True)
        elif codes:
            for code in codes:
                print(f"{name}: {code}")
        else:
            print(f"{name}: no code found ({ms} ms)")
    return status
