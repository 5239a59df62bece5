"""`kiosk export --from D --to D --format csv|xlsx [--full] [--pin-stdin] [-o FILE]`."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.commands import config_from, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export gate entries (ID numbers and phones masked unless --full)")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD", help="first local day")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD", help="last local day (inclusive)")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--full", action="store_true", help="unmasked ID numbers and phones (asks for the admin PIN)")
    p.add_argument("--pin-stdin", action="store_true", help="read the admin PIN from standard input instead of asking")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: entries_FROM_TO.FORMAT)")
    p.set_defaults(handler=export)


def read_pin(args: argparse.Namespace) -> str:
    import getpass
    import sys

    if args.pin_stdin:
        return sys.stdin.readline().strip()
    return getpass.getpass("admin PIN / 管理员 PIN: ")


def check_admin_pin(args: argparse.Namespace, store: Any, cfg: Any) -> bool:
    import sys

    from kiosk.service.admin_pin import AdminPin, PinStatus

    result = AdminPin.for_config(store, cfg).verify(read_pin(args))
    if result.ok:
        return True
    if result.status is PinStatus.NOT_SET:
        print("kiosk: no admin PIN is set; run `kiosk admin set-pin` first", file=sys.stderr)
    elif result.status is PinStatus.LOCKED:
        if result.locked_until is None:
            print("kiosk: too many wrong PINs in a row; locked until `kiosk admin unlock-admin`", file=sys.stderr)
        else:
            print(f"kiosk: too many wrong PINs; locked until {result.locked_until:%H:%M:%S} UTC", file=sys.stderr)
    else:
        print(f"kiosk: wrong PIN ({result.tries_left} tries left)", file=sys.stderr)
    return False


def export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kiosk.commands.report import parse_day
    from kiosk.service.export import export_rows, write_csv, write_xlsx
    from kiosk.store.vault import Vault

    cfg = config_from(args)
    first, last = parse_day(args.first), parse_day(args.last)
    if last < first:
        print(f"kiosk: --to {last} is before --from {first}")
        return 2
    store = open_kiosk_store(cfg, lock=False)
    try:
        if args.full and not check_admin_pin(args, store, cfg):
            return 1
        rows = export_rows(store, Vault.for_config(cfg), first, last, cfg["kiosk.timezone"], full=args.full)
        if args.full:
            with store.writing() as w:  # who saw full numbers is part of the audit trail
                w.append("export_full", {"from": str(first), "to": str(last), "rows": len(rows), "format": args.format})
    finally:
        store.close()
    out = Path(args.output or f"entries_{first}_{last}.{args.format}")
    (write_xlsx if args.format == "xlsx" else write_csv)(rows, out)
    print(f"kiosk export: {len(rows)} entries to {out} ({'FULL numbers' if args.full else 'masked'})")
    return 0
