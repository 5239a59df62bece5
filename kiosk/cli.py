"""The `kiosk` command. Each sub-command lives in kiosk/commands/<name>.py.

Commands that need no screen import neither kivy nor cv2 (a test checks it): command
modules register their parsers cheaply and import heavy parts inside their handlers.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kiosk import __version__

# Order = order in `kiosk --help`.
COMMAND_MODULES = (
    "kiosk.commands.run",
    "kiosk.commands.demo",
    "kiosk.commands.db",
    "kiosk.commands.config_cmd",
    "kiosk.commands.scan_image",
    "kiosk.commands.verify",
    "kiosk.commands.provision",
    "kiosk.commands.sync_cmd",
    "kiosk.commands.report",
    "kiosk.commands.export",
    "kiosk.commands.roster",
    "kiosk.commands.admin",
    "kiosk.commands.doctor",
    "kiosk.commands.service",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Checkpoint kiosk: health codes, temperatures and visitor records at a community gate.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--config", metavar="FILE", help="settings file (default: $KIOSK_CONFIG or config/kiosk.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from kiosk.config import ConfigError
    from kiosk.store.errors import StoreError

    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"kiosk: bad setting: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
