"""`kiosk admin set-pin | add-guard | set-guard-pin | unlock-guard | unlock-admin`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
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


def _in_store(args: argparse.Namespace, act: Callable[[Any, Any], str], admin: str) -> int:
    """Run act(store, cfg) -> message with the kiosk database open. `admin`: "always" asks the
    admin PIN first, "if-set" only when one is set, "never" not at all. A refusal (ValueError:
    bad input, a rejected PIN, PINs that differ) is printed, nothing changed, exit 1."""
    import sys
    from contextlib import closing

    from kiosk.commands.export import check_admin_pin
    from kiosk.service.admin_pin import AdminPin

    cfg = config_from(args)
    with closing(open_kiosk_store(cfg)) as store:
        if admin == "always" or (admin == "if-set" and AdminPin.for_config(store, cfg).is_set):
            if not check_admin_pin(args, store, cfg):
                return 1
        try:
            message = act(store, cfg)
        except ValueError as exc:
            print(f"kiosk: {exc}; nothing changed", file=sys.stderr)
            return 1
    print(f"kiosk admin: {message}")
    return 0


def _ask_new_pin(args: argparse.Namespace, who: str) -> str:
    new = _new_pin(args, who)
    if new is None:
        raise ValueError("the two PINs differ")
    return new


def set_pin(args: argparse.Namespace) -> int:
    def act(store: Any, cfg: Any) -> str:
        from kiosk.service.admin_pin import AdminPin

        pin = AdminPin.for_config(store, cfg)
        pin.set_pin(_ask_new_pin(args, "admin"))
        return f"PIN set (stored as a salted hash in {pin.path})"

    return _in_store(args, act, admin="if-set")


def add_guard(args: argparse.Namespace) -> int:
    pin = _new_pin(args, "guard")  # asked before the database is opened
    if pin is None:
        return 1

    def act(store: Any, _cfg: Any) -> str:
        from kiosk.service.duty import DutyRoster

        DutyRoster(store).add_guard(args.name, args.phone, pin)
        return f"guard {args.name} added (sign in on the screen with the name and this PIN)"

    return _in_store(args, act, admin="never")


def _as_admin(args: argparse.Namespace, act: Callable[[Any], str]) -> int:
    """Run act(roster) after the admin PIN."""
    from kiosk.service.duty import DutyRoster

    return _in_store(args, lambda store, _cfg: act(DutyRoster(store)), admin="always")


def set_guard_pin(args: argparse.Namespace) -> int:
    def act(roster: Any) -> str:
        roster.set_pin(args.name, _ask_new_pin(args, "guard"))
        return f"PIN of {args.name} set"

    return _as_admin(args, act)


def unlock_guard(args: argparse.Namespace) -> int:
    return _as_admin(args, lambda roster: f"{args.name} unlocked" if roster.unlock(args.name) else f"{args.name} was not locked")


def unlock_admin(args: argparse.Namespace) -> int:
    """No PIN to ask (it is the locked thing): whoever can write the secrets folder is the admin here."""
    import getpass
    import os
    import sys
    from contextlib import closing

    from kiosk.service.admin_pin import AdminPin

    cfg = config_from(args)
    if not os.access(cfg.secrets_dir, os.W_OK):
        print(f"kiosk: only the account that owns {cfg.secrets_dir} may unlock the admin PIN", file=sys.stderr)
        return 1
    with closing(open_kiosk_store(cfg)) as store:
        done = AdminPin.for_config(store, cfg).unlock(f"os-user:{getpass.getuser()}")
    print("kiosk admin: admin PIN unlocked" if done else "kiosk admin: the admin PIN was not locked")
    return 0
