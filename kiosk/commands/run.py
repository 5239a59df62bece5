"""`kiosk run`: validate the settings, open the store, start the touch screen."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.commands import config_from, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("run", help="start the kiosk screen (the main job)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    cfg = config_from(args)

    # Refuse to start on a bad, locked or too-new database before any window opens.
    store = open_kiosk_store(cfg)
    from kiosk.ui.app import run_app

    return run_app(cfg, store)
