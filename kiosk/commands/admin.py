"""`kiosk admin set-pin` and `kiosk admin add-guard`."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.commands import config_from, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("admin", help="admin PIN and duty roster")
    asub = p.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    s = asub.add_parser("set-pin", help="set the admin PIN (4–12 digits; the current PIN is asked if one is set)")
    s.add_argument("--pin-stdin", action="store_true", help="read PIN lines from standard input (current PIN first if set, then the new PIN twice)")
    s.set_defaults(handler=set_pin)
    g = asub.add_parser("add-guard", help="add a guard to the duty roster (name, public duty phone, optional sign-in PIN)")
    g.add_argument("name")
    g.add_argument("--phone", default="", help="duty phone shown on the idle screen")
    g.add_argument("--pin", help="short sign-in PIN (4–8 digits)")
    g.set_defaults(handler=add_guard)


def set_pin(args: argparse.Namespace) -> int:
    import getpass
    import sys

    from kiosk.commands.export import check_admin_pin
    from kiosk.service.admin_pin import AdminPin, PinRejected

    def ask(prompt: str) -> str:
        return sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass(prompt)

    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        pin = AdminPin(store, cfg.data_dir)
        if pin.is_set and not check_admin_pin(args, store, cfg.data_dir):
            return 1
        new, again = ask("new admin PIN / 新 PIN: "), ask("again / 再输一次: ")
        if new != again:
            print("kiosk: the two PINs differ; nothing changed", file=sys.stderr)
            return 1
        try:
            pin.set_pin(new)
        except PinRejected as exc:
            print(f"kiosk: {exc}; nothing changed", file=sys.stderr)
            return 1
    finally:
        store.close()
    print(f"kiosk admin: PIN set (stored as a salted hash in {pin.path})")
    return 0


def add_guard(args: argparse.Namespace) -> int:
    import sys

    from kiosk.service.common import InvalidInput
    from kiosk.service.duty import DutyRoster

    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        DutyRoster(store).add_guard(args.name, args.phone, args.pin)
    except InvalidInput as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"kiosk admin: guard {args.name} added")
    return 0
