"""`kiosk run`: validate the settings, open the store, build the services, start the touch screen."""

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
    try:
        problem = production_problem(cfg, store)
        if problem:
            import sys

            print(f"kiosk: {problem}", file=sys.stderr)
            return 2
        from kiosk.ui.app import prepare_kivy, run_app

        prepare_kivy(cfg)
        from kiosk.commands.compose import build_services

        # The whole kiosk is built here (a bad camera or thermometer setting stops it before
        # the window opens); the App only wires it to the screens.
        return run_app(cfg, build_services(cfg, store))
    finally:
        store.close()


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
