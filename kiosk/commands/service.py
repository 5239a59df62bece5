"""`kiosk service install|uninstall`: systemd units so a gate terminal looks after itself.

Into /etc/systemd/system by default (then `systemctl daemon-reload` and `enable`); with
--unit-dir the files are only written (tests, or an image being built), and the systemctl
commands to run are printed instead.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SYSTEM_UNIT_DIR = Path("/etc/systemd/system")


def register(sub: Any) -> None:
    p = sub.add_parser("service", help="install or remove the systemd units (restart on failure, watchdog, journald)")
    ssub = p.add_subparsers(dest="service_command", metavar="ACTION", required=True)
    i = ssub.add_parser("install", help="write the units and enable them")
    i.add_argument("--user", metavar="NAME", help="the account the kiosk runs as (default: the one running sudo, else you)")
    i.add_argument("--headless", action="store_true", help="a gate with no screen: the sync worker alone instead of the touch screen")
    i.add_argument("--central", action="store_true", help="also the central server (kiosk-central serve) on this machine")
    i.add_argument("--central-args", default="", metavar="ARGS", help="arguments for kiosk-central serve, e.g. \"--db postgresql://…\"")
    i.add_argument("--display", default=":0", help="X display of the touch screen (default :0)")
    i.add_argument("--xauthority", default="", metavar="FILE", help="X authority file, if the X session needs one")
    i.add_argument("--unit-dir", type=Path, metavar="DIR", help=f"write the units here and enable nothing (default {SYSTEM_UNIT_DIR})")
    i.set_defaults(handler=install)
    u = ssub.add_parser("uninstall", help="stop, disable and remove the units this command wrote")
    u.add_argument("--unit-dir", type=Path, metavar="DIR", help=f"where the units are (default {SYSTEM_UNIT_DIR})")
    u.set_defaults(handler=uninstall)


def _user(name: str | None) -> str:
    import pwd

    name = name or os.environ.get("SUDO_USER") or getpass.getuser()
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"no user {name!r} on this machine (create it first, e.g. adduser --disabled-password {name})") from None
    return name


def _bin(name: str) -> str:
    """The installed console script beside this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside.absolute())
    found = shutil.which(name)
    return str(Path(found).absolute()) if found else ""


def _systemctl(*args: str) -> None:
    print("$ systemctl " + " ".join(args))
    subprocess.run(["systemctl", *args], check=True)


def install(args: argparse.Namespace) -> int:
    from kiosk.ops.units import UnitOptions, install, render

    config = getattr(args, "config", None) or os.environ.get("KIOSK_CONFIG", "")
    try:
        options = UnitOptions(
            user=_user(args.user), kiosk_bin=_bin("kiosk"), central_bin=_bin("kiosk-central") if args.central else "",
            config=str(Path(config).absolute()) if config else "", display=args.display, xauthority=args.xauthority,
            central_args=args.central_args,
        )
        if not options.kiosk_bin:
            raise ValueError("the kiosk command is not installed (pip install the project first)")
        units = render(options, screen=not args.headless, sync_only=args.headless, central=args.central)
        unit_dir = args.unit_dir or SYSTEM_UNIT_DIR
        written = install(units, unit_dir)
    except (ValueError, OSError) as exc:
        print(f"kiosk service install: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    names = [p.name for p in written]
    if args.unit_dir is None:
        _systemctl("daemon-reload")
        _systemctl("enable", "--now", *names)
    else:
        print("to use them: systemctl daemon-reload && systemctl enable --now " + " ".join(names))
    print("logs: journalctl -u " + " -u ".join(names))
    return 0


def uninstall(args: argparse.Namespace) -> int:
    from kiosk.ops.units import installed, uninstall

    unit_dir = args.unit_dir or SYSTEM_UNIT_DIR
    ours = installed(unit_dir)
    if not ours:
        print(f"kiosk service uninstall: no kiosk units in {unit_dir}")
        return 0
    if args.unit_dir is None:
        _systemctl("disable", "--now", *[p.name for p in ours])
    for path in uninstall(unit_dir):
        print(f"removed {path}")
    if args.unit_dir is None:
        _systemctl("daemon-reload")
    return 0
