"""`kiosk doctor [--json] [--headless] [--scan-wait S]`: one command a volunteer runs at the gate.

Each check prints ✔/✗ with what to do; exit 0 only when every check is ✔. The result is kept
in the data folder and the sync worker sends it with its next batch (the console's device list).
Headless: OpenCV loads only inside the camera probe, Kivy never.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk.commands import config_from


def register(sub: Any) -> None:
    p = sub.add_parser("doctor", help="check camera, scanner, thermometer, display, disk, database, server, clock, bundle, trust list and uploads")
    p.add_argument("--json", action="store_true", help="the result as JSON (what the console shows per gate)")
    p.add_argument("--headless", action="store_true", help="a gate with no screen (sync worker alone): skip camera, scanner, thermometer, display")
    p.add_argument("--scan-wait", type=float, default=0.0, metavar="S",
                   help="with a serial scanner, wait up to S seconds for a code to be scanned (default: only open the port)")
    p.add_argument("--no-save", action="store_true", help="do not keep this result for upload")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.ops.checks import diagnose
    from kiosk.ops.gather import gather
    from sync import doctor_status

    if not 0 <= args.scan_wait <= 300:
        print("kiosk doctor: --scan-wait must be between 0 and 300 seconds")
        return 2
    cfg = config_from(args)
    report = diagnose(gather(cfg, headless=args.headless, scan_wait_s=args.scan_wait))
    result = report.as_dict()
    saved = ""
    if not args.no_save:
        try:
            saved = str(doctor_status.save(cfg.data_dir, result))
        except OSError as exc:
            saved = f"not kept: {exc}"
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for check in report.checks:
            print(check.line())
        failing = [c.name for c in report.checks if not c.ok]
        print("\nall checks ✔" if not failing else f"\n{len(failing)} check(s) ✗: {', '.join(failing)}")
        if saved:
            print(f"result kept for the server: {saved}")
    return 0 if report.ok else 1
