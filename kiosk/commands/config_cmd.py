"""`kiosk config show` and `kiosk config docs`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kiosk.commands import config_from


def register(sub: Any) -> None:
    p = sub.add_parser("config", help="show the effective settings or print their documentation")
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    s = csub.add_parser("show", help="every setting with its value and where it came from")
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(handler=show)
    d = csub.add_parser("docs", help="print docs/configuration.md, generated from the declarations")
    d.set_defaults(handler=docs)


def show(args: argparse.Namespace) -> int:
    cfg = config_from(args)
    if args.json:
        print(json.dumps({k: cfg[k] for k in cfg}, ensure_ascii=False, indent=2))
        return 0
    width = max(len(k) for k in cfg)
    for k in cfg:
        print(f"{k:<{width}}  {cfg[k]!r:<24}  ({cfg.sources[k]})")
    print(f"database: {cfg.db_path}")
    return 0


def docs(args: argparse.Namespace) -> int:
    from kiosk.config import render_docs

    print(render_docs(), end="")
    return 0
