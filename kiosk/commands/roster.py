"""`kiosk roster import FILE.csv` and `kiosk roster search TEXT`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from kiosk.commands import config_from, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("roster", help="the residents roster: import a CSV file, search")
    rsub = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    i = rsub.add_parser("import", help="import residents (name, id_number, phone, building, unit, room); all rows or none")
    i.add_argument("file", metavar="FILE.csv")
    i.set_defaults(handler=import_csv)
    s = rsub.add_parser("search", help="by name, building or the last digits of the ID number (masked output)")
    s.add_argument("text")
    s.set_defaults(handler=search)
    k = rsub.add_parser("key-groups", help="people flagged in a key group, for health monitoring (masked output)")
    k.set_defaults(handler=key_groups)


def import_csv(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from kiosk.service.common import InvalidInput
    from kiosk.service.roster import import_roster_csv
    from kiosk.store.vault import Vault
    from sync.protocol.clock import utc_now

    cfg = config_from(args)
    store = open_kiosk_store(cfg)
    try:
        result = import_roster_csv(store, Vault.for_config(cfg), Path(args.file), utc_now, cfg["kiosk.timezone"])
    except InvalidInput as exc:
        print(f"kiosk roster import: nothing imported, {len(exc.errors)} problem(s):", file=sys.stderr)
        for err in exc.errors[:50]:
            print(f"  {err}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"kiosk roster import: {result.added} added, {result.updated} updated")
    return 0


def _read_people(args: argparse.Namespace, find: Callable[[Any], list[Any]]) -> list[Any]:
    """`find(db)` over the kiosk database, opened without the writer lock (a running kiosk holds it)."""
    store = open_kiosk_store(config_from(args), lock=False)
    try:
        return find(store.db)
    finally:
        store.close()


def search(args: argparse.Namespace) -> int:
    from kiosk.service.people import search_people

    for p in _read_people(args, lambda db: search_people(db, args.text)):
        print(f"{p.name_masked}\t{p.kind}\t{p.building}-{p.unit}-{p.room}\t{p.id_masked}\t{p.phone_masked}")
    return 0


def key_groups(args: argparse.Namespace) -> int:
    from kiosk.service.people import key_group_people

    found = _read_people(args, key_group_people)
    for p in found:
        print(f"{p.name_masked}\t{p.kind}\t{','.join(p.key_groups)}\torigin {p.origin_region or '-'}\t{p.id_masked}\t{p.phone_masked}")
    print(f"{len(found)} key-group people")
    return 0
