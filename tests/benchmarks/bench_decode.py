"""QR decoding benchmark: each backend and grey conversion, side by side, per condition.

Run:  .venv/bin/python tests/benchmarks/bench_decode.py [--per-condition N] [--seed S] [--markdown]

Frames come from kiosk.devices.synth (1280x720, fixed seed), so every run sees the same
images. Every decoder sees every frame in turn in one process, so machine noise hits all
of them alike. Reported per condition and decoder: detection rate (frames with a code:
the exact payload found; frames without: nothing found), wrong payloads, and p50/p95 time
for frames with and without a code (wall clock), and the decoding thread's CPU time (which
other processes on a busy machine do not inflate). "pipeline" is DecodePipeline with the
shipped defaults.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.devices import synth, synth_hard  # noqa: E402
from kiosk.devices.decoder import DecodePipeline, ZxingBackend  # noqa: E402
from kiosk.settings import BY_NAME  # noqa: E402

Decode = Callable[[np.ndarray], list[str]]


def stock_pyzbar() -> Decode:
    """pyzbar.decode as most projects call it: QR only, on plain grey, zbar's own text guess."""
    from pyzbar import pyzbar

    def run(frame: np.ndarray) -> list[str]:
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        return [d.data.decode("utf-8", "replace") for d in pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])]

    return run


def stock_zxing() -> Decode:
    """zxingcpp.read_barcodes as a new user calls it: default options, every format, on the colour frame."""
    import zxingcpp

    def run(frame: np.ndarray) -> list[str]:
        return [r.text for r in zxingcpp.read_barcodes(np.ascontiguousarray(frame))]

    return run


def opencv_detector() -> Decode:
    det = cv2.QRCodeDetector()

    def run(frame: np.ndarray) -> list[str]:
        text, _, _ = det.detectAndDecode(frame)
        return [text] if text else []

    return run


def decoders() -> dict[str, Decode]:
    """The shipped pipeline first, then each ingredient on its own (no sharpened retry)."""
    default = DecodePipeline(BY_NAME["decoder.backend"].default, BY_NAME["decoder.gray"].default,
                             BY_NAME["decoder.max_side"].default, BY_NAME["decoder.sharpen_retry"].default)
    out: dict[str, Decode] = {f"pipeline ({default.name}, sharpen retry)": default.decode}
    out["pipeline, no grey/2x retry (before)"] = DecodePipeline(
        default.backend, default.gray, default.max_side, retries=False).decode
    out["pipeline, no sharpen retry"] = DecodePipeline(ZxingBackend(sharpen_retry=False), default.gray, default.max_side).decode
    # the ingredients alone: one pass, no retry of any kind
    for gray in ("luma", "min"):
        out[f"zxing/{gray}"] = DecodePipeline(ZxingBackend(sharpen_retry=False), gray, retries=False).decode
    out["zxing/min no-invert"] = DecodePipeline(ZxingBackend(try_invert=False, sharpen_retry=False), "min", retries=False).decode
    for gray in ("luma", "min"):
        out[f"pyzbar/{gray}"] = DecodePipeline("pyzbar", gray, retries=False).decode
    out["pyzbar stock"] = stock_pyzbar()
    out["zxing stock"] = stock_zxing()
    out["opencv"] = opencv_detector()
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def photo_set(dirs: list[str]) -> list[tuple[str, np.ndarray, str]]:
    """(name, image, expected text) for every picture with a same-named .txt beside it."""
    from kiosk.devices.images import load_image

    out = []
    for d in dirs:
        for path in sorted(Path(d).iterdir()):
            expected = path.with_suffix(".txt")
            if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif") and expected.is_file():
                out.append((f"{path.parent.name}/{path.name}", load_image(path), expected.read_bytes().decode("utf-8")))
    return out


def photos_report(dirs: list[str], decs: dict[str, Decode]) -> None:
    """Real photographs: reads (the expected text among the codes) and altered payloads."""
    photos = photo_set(dirs)
    reads: dict[str, int] = defaultdict(int)
    altered: dict[str, int] = defaultdict(int)
    missed: dict[str, list[str]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for name, image, expected in photos:
        for dec_name, dec in decs.items():
            c = time.thread_time()
            codes = dec(image)
            cpu[dec_name].append((time.thread_time() - c) * 1000)
            reads[dec_name] += expected in codes
            altered[dec_name] += sum(1 for code in codes if code != expected)
            if expected not in codes:
                missed[dec_name].append(name)
    print(f"\n### Photographs: {len(photos)} pictures from {', '.join(dirs)}\n")
    print("| decoder | read | altered payloads | CPU ms p50 / p95 | missed |")
    print("| --- | ---: | ---: | ---: | --- |")
    for n in decs:
        print(f"| {n} | {reads[n]} | {altered[n]} | {pct(cpu[n], 50):.1f} / {pct(cpu[n], 95):.1f} | "
              f"{' '.join(missed[n][:12])}{' …' if len(missed[n]) > 12 else ''} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-condition", type=int, default=30, help="frames per condition (payload sizes in turn)")
    ap.add_argument("--seed", type=int, default=synth.DEFAULT_SEED)
    ap.add_argument("--skip", default="", help="comma-separated decoders to leave out (e.g. opencv)")
    ap.add_argument("--photos", nargs="+", metavar="DIR",
                    help="instead of synthetic frames: pictures with the expected text in a same-named .txt")
    args = ap.parse_args()
    cv2.setNumThreads(1)  # the kiosk decodes in one worker thread; measure that
    if args.photos:
        photos_report(args.photos, {k: v for k, v in decoders().items() if k not in set(args.skip.split(","))})
        return 0

    t0 = time.perf_counter()
    # Frames are made one at a time (510 frames of 2.7 MB would fill the memory of a kiosk).
    frames = synth.frame_set(args.per_condition, seed=args.seed)
    decs = {k: v for k, v in decoders().items() if k not in set(args.skip.split(","))}
    # hits[decoder][condition] = [found right]; times[decoder][condition][has_code] = [ms]
    hits: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    wrong: dict[str, int] = defaultdict(int)
    times: dict[str, dict[str, dict[bool, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    # CPU time of the decoding thread: what a frame costs, whatever else the machine runs.
    cpu: dict[str, dict[bool, list[float]]] = defaultdict(lambda: defaultdict(list))
    count = 0
    for i, fr in enumerate(frames):
        count += 1
        order = list(decs.items())
        order = order[i % len(order):] + order[:i % len(order)]  # rotate who goes first (cache effects)
        for name, dec in order:
            c, t = time.thread_time(), time.perf_counter()
            codes = dec(fr.image)
            ms = (time.perf_counter() - t) * 1000
            cpu[name][fr.payload is not None].append((time.thread_time() - c) * 1000)
            times[name][fr.condition][fr.payload is not None].append(ms)
            hits[name][fr.condition].append(fr.payload in codes if fr.payload else not codes)
            wrong[name] += sum(1 for c in codes if c != fr.payload)

    print(f"{count} frames (seed {args.seed}) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    names = list(decs)
    print(f"\n### Detection rate per condition ({args.per_condition} frames each; no-code rows: frames with nothing found)\n")
    print("| condition | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for cond in synth.CONDITIONS:
        cells = [f"{100 * statistics.mean(hits[n][cond]):.0f}%" for n in names]
        print(f"| {cond} | " + " | ".join(cells) + " |")
    coded = [c for c in synth.CONDITIONS if c not in synth.NO_CODE_CONDITIONS]
    hard = set(synth_hard.SCREEN_CONDITIONS + synth_hard.SURFACE_CONDITIONS)
    for label, conds in (("all with a code", coded), ("all but motion_blur", [c for c in coded if c != "motion_blur"]),
                         ("issue 4 set (before the screens) but motion_blur", [c for c in coded if c != "motion_blur" and c not in hard]),
                         ("screens and surfaces (issue 15)", [c for c in coded if c in hard])):
        cells = [f"**{100 * statistics.mean([h for c in conds for h in hits[n][c]]):.1f}%**" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| wrong payloads | " + " | ".join(str(wrong[n]) for n in names) + " |")

    print("\n### Time per 1280x720 frame, ms: p50 / p95\n")
    print("| condition | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(names))
    for cond in synth.CONDITIONS:
        cells = []
        for n in names:
            ms = [m for v in times[n][cond].values() for m in v]
            cells.append(f"{pct(ms, 50):.1f} / {pct(ms, 95):.1f}")
        print(f"| {cond} | " + " | ".join(cells) + " |")
    for label, has in (("all frames with a code", True), ("all frames without a code", False)):
        cells = []
        for n in names:
            ms = [m for c in synth.CONDITIONS for m in times[n][c][has]]
            cells.append(f"**{pct(ms, 50):.1f} / {pct(ms, 95):.1f}**")
        print(f"| {label} | " + " | ".join(cells) + " |")
    for label, has in (("CPU time, frames with a code", True), ("CPU time, frames without a code", False)):
        cells = [f"**{pct(cpu[n][has], 50):.1f} / {pct(cpu[n][has], 95):.1f}**" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")
    base = names[0]
    all_ms = {n: [m for c in synth.CONDITIONS for v in times[n][c].values() for m in v] for n in names}
    print("\nMedian time relative to " + base + ": " + ", ".join(
        f"{n} {statistics.median(all_ms[n]) / statistics.median(all_ms[base]):.1f}x" for n in names[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
