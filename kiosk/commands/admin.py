"""`kiosk admin set-pin | add-guard | set-guard-pin | unlock-guard | unlock-admin`."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.commands import config_from, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("admin", help="admin PIN and duty roster")
    asub = p.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    stdin_help = "read PIN lines from standard input instead of asking (admin PIN first where one is asked, then the new PIN twice)"
    s = asub.add_parser("set-pin", help="set the admin PIN (4–12 digits; the current PIN is asked if one is set)")
    s.add_argument("--pin-stdin", action="store_true", help=stdin_help)
    s.set_defaults(handler=set_pin)
    g = asub.add_parser("add-guard", help="add a guard to the duty roster with the guard's own sign-in PIN (asked twice)")
    g.add_argument("name")
    g.add_argument("--phone", default="", help="duty phone shown on the idle screen")
    g.add_argument("--pin-stdin", action="store_true", help=stdin_help)
    g.set_defaults(handler=add_guard)
    gp = asub.add_parser("set-guard-pin", help="set a guard's sign-in PIN (needs the admin PIN)")
    gp.add_argument("name")
    gp.add_argument("--pin-stdin", action="store_true", help=stdin_help)
    gp.set_defaults(handler=set_guard_pin)
    u = asub.add_parser("unlock-guard", help="lift a guard's PIN lock-out (needs the admin PIN)")
    u.add_argument("name")
    u.add_argument("--pin-stdin", action="store_true", help=stdin_help)
    u.set_defaults(handler=unlock_guard)
    ua = asub.add_parser("unlock-admin", help="lift the admin PIN lock-out (needs the OS account that owns the secrets folder)")
    ua.set_defaults(handler=unlock_admin)


def _asker(args: argparse.Namespace) -> Any:
    import getpass
    import sys

    def ask(prompt: str) -> str:
        return sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass(prompt)

    return ask


def _new_pin(args: argparse.Namespace, who: str) -> str | None:
    import sys

    ask = _asker(args)
    new, again = ask(f"new {who} PIN / 新 PIN: "), ask("again / 再输一次: ")
    if new != again:
        print("kiosk: the two PINs differ; nothing changed", file=sys.stderr)
        return None
    return new


def set_pin(args: argparse.Namespace) -> int:
    import sys

    from kiosk.commands.export import check_admin_pin
    from kiosk.service.admin_pin import AdminPin, PinRejected

    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        pin = AdminPin.for_config(store, cfg)
        if pin.is_set and not check_admin_pin(args, store, cfg):
            return 1
        new = _new_pin(args, "admin")
        if new is None:
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

    new = _new_pin(args, "guard")
    if new is None:
        return 1
    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        DutyRoster(store).add_guard(args.name, args.phone, new)
    except InvalidInput as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"kiosk admin: guard {args.name} added (sign in on the screen with the name and this PIN)")
    return 0


def _as_admin(args: argparse.Namespace, act: Any) -> int:
    """Run act(roster) after the admin PIN; a refusal of the roster is printed, exit 1."""
    import sys

    from kiosk.commands.export import check_admin_pin
    from kiosk.service.duty import DutyRoster

    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        if not check_admin_pin(args, store, cfg):
            return 1
        try:
            message = act(DutyRoster(store))
        except ValueError as exc:
            print(f"kiosk: {exc}; nothing changed", file=sys.stderr)
            return 1
    finally:
        store.close()
    print(f"kiosk admin: {message}")
    return 0


def set_guard_pin(args: argparse.Namespace) -> int:
    def act(roster: Any) -> str:
        new = _new_pin(args, "guard")
        if new is None:
            raise ValueError("the two PINs differ")
        roster.set_pin(args.name, new)
        return f"PIN of {args.name} set"

    return _as_admin(args, act)


def unlock_guard(args: argparse.Namespace) -> int:
    return _as_admin(args, lambda roster: f"{args.name} unlocked" if roster.unlock(args.name) else f"{args.name} was not locked")


def unlock_admin(args: argparse.Namespace) -> int:
    """No PIN to ask (it is the locked thing): whoever can write the secrets folder is the admin here."""
    import getpass
    import os
    import sys

    from kiosk.service.admin_pin import AdminPin

    cfg = config_from(args)
    if not os.access(cfg.secrets_dir, os.W_OK):
        print(f"kiosk: only the account that owns {cfg.secrets_dir} may unlock the admin PIN", file=sys.stderr)
        return 1
    store = open_kiosk_store(cfg)
    try:
        done = AdminPin.for_config(store, cfg).unlock(f"os-user:{getpass.getuser()}")
    finally:
        store.close()
    print("kiosk admin: admin PIN unlocked" if done else "kiosk admin: the admin PIN was not locked")
    return 0
