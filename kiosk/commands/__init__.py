"""Sub-commands of `kiosk`; each module has register(subparsers)."""

from __future__ import annotations

import argparse

from kiosk.config import Config, load_config


def config_from(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))
