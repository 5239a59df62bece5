"""`kiosk report daily [--date D] [--json|--csv] [--file]`: the day's counts (日报告 / 零报告)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from kiosk.commands import config_from, open_kiosk_store
from sync.protocol.clock import utc_now


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="the daily report (日报告) or zero report (零报告)")
    rsub = p.add_subparsers(dest="report_command", metavar="KIND", required=True)
    d = rsub.add_parser("daily", help="counts for one day: entries, fevers, codes by colour, key groups, denials, overrides")
    d.add_argument("--date", metavar="YYYY-MM-DD", help="the local day (default: today)")
    fmt = d.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV (one header line, one value line)")
    d.add_argument("--file", action="store_true", help="also store the report and queue it for upload")
    d.set_defaults(handler=daily)
    f = rsub.add_parser("file-due", help="file every report that is due (after report.hour; a missed yesterday too) — for a timer")
    f.set_defaults(handler=file_due)


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"kiosk: {text!r} is not a date; use YYYY-MM-DD (e.g. 2026-11-28)") from None


def daily(args: argparse.Namespace) -> int:
    import csv
    import json
    import sys

    from kiosk.domain.report import local_day
    from kiosk.service.reports import Reports

    cfg = config_from(args)
    day = parse_day(args.date) if args.date else local_day(utc_now(), cfg["kiosk.timezone"])
    store = open_kiosk_store(cfg, lock=args.file)
    try:
        reports = Reports(store, cfg)
        report = reports.file(day).report if args.file else reports.compute(day)
    finally:
        store.close()
    data = report.as_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(data))
        writer.writeheader()
        writer.writerow(data)
    else:
        title = "零报告 zero report" if report.kind == "zero" else "日报告 daily report"
        print(f"{title} — {cfg['kiosk.community_name']} {cfg['kiosk.gate_name']} — {report.day}")
        for key, value in data.items():
            if key not in ("day", "kind", "key_persons"):
                print(f"  {key:<20} {value}")
        for cat, n in data["key_persons"].items():
            print(f"  key persons: {cat:<14} {n}")
    return 0


def file_due(args: argparse.Namespace) -> int:
    from kiosk.service.reports import Reports

    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        filed = Reports(store, cfg).file_due()
    finally:
        store.close()
    for f in filed:
        print(f"kiosk report: filed the {f.report.kind} report for {f.report.day} (record {f.record_uuid})")
    if not filed:
        print("kiosk report: nothing due")
    return 0
