"""Sub-commands of `kiosk`; each module has register(subparsers)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.config import Config, load_config


def config_from(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))


def open_kiosk_store(cfg: Config, *, lock: bool = True) -> Any:
    """The kiosk database as the settings name it (imported lazily: fast commands stay fast)."""
    from kiosk.store.db import open_store

    return open_store(cfg.db_path, busy_timeout_ms=cfg["store.busy_timeout_ms"], lock=lock)


def open_kiosk_reader(cfg: Config) -> Any:
    """The kiosk database read-only, beside a running kiosk (no writer lock, never created)."""
    from kiosk.store.reader import open_reader

    return open_reader(cfg.db_path, busy_timeout_ms=cfg["store.busy_timeout_ms"])
