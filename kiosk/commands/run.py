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
    problem = production_problem(cfg, store)
    if problem:
        import sys

        store.close()
        print(f"kiosk: {problem}", file=sys.stderr)
        return 2
    from kiosk.ui.app import run_app

    return run_app(cfg, store)


def production_problem(cfg: Any, store: Any) -> str:
    """Why a production kiosk (setting kiosk.production) must not start; '' if it may."""
    if not cfg["kiosk.production"]:
        return ""
    from kiosk.service.admin_pin import AdminPin

    pin = AdminPin.for_config(store, cfg)
    if not pin.is_set:
        return "production mode (kiosk.production) needs an admin PIN: run `kiosk admin set-pin` first"
    if pin.is_demo():
        return ("production mode (kiosk.production) refuses the demo's published admin PIN: "
                "change it with `kiosk admin set-pin` first")
    return ""
