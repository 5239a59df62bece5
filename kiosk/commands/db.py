"""`kiosk db check` and `kiosk db migrate`."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.commands import config_from


def register(sub: Any) -> None:
    p = sub.add_parser("db", help="check or migrate the local database")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    c = dsub.add_parser("check", help="integrity check plus sequence and hash-chain verification (exit 1 on a problem)")
    c.add_argument("--db", metavar="FILE", help="database file (default: from the settings)")
    c.set_defaults(handler=check)
    m = dsub.add_parser("migrate", help="upgrade the database schema in place")
    m.add_argument("--db", metavar="FILE", help="database file (default: from the settings)")
    m.set_defaults(handler=migrate)


def _path(args: argparse.Namespace) -> Any:
    cfg = config_from(args)
    return (args.db or cfg.db_path), cfg


def check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kiosk.store.db import open_store

    path, cfg = _path(args)
    if not Path(path).exists():
        print(f"kiosk: no database at {path}")
        return 1
    # A check never upgrades: it reports on the file as it is.
    store = open_store(path, busy_timeout_ms=cfg["store.busy_timeout_ms"], lock=False, upgrade=False)
    try:
        problems = store.check()
        count = store.db.execute("select count(*) from journal").fetchone()[0]
    finally:
        store.close()
    if problems:
        print(f"kiosk db check: FAILED for {path}: {problems[0]}")
        for extra in problems[1:5]:
            print(f"  also: {extra}")
        return 1
    print(f"kiosk db check: ok ({count} records, integrity ok, sequence and hash chain verified)")
    return 0


def migrate(args: argparse.Namespace) -> int:
    from kiosk.store.db import open_store
    from kiosk.store.migrations import applied

    path, cfg = _path(args)
    store = open_store(path, busy_timeout_ms=cfg["store.busy_timeout_ms"])
    try:
        done, names = store.migrated, applied(store.db)
    finally:
        store.close()
    listed = ": " + ", ".join(done) if done else ""
    print(f"kiosk db migrate: applied {len(done)} migration(s){listed}; schema at {names[-1]}")
    return 0
