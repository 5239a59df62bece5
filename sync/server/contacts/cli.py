"""`kiosk-central contacts`: close contacts (密接) and secondary contacts (次密接) of one person.

One JSON object on stdout. Who asks is a console account (`--by`): viewers may not look people up,
staff see only passes at their own communities' gates, `--full` (clear names and ID numbers,
unsealed here) needs the admin role; every look-up is written
to the console's audit log in the same transaction as the answer is read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync.common.identity import validate_id
from sync.protocol.clock import utc_now
from sync.server.cli import Common, Subcommands, command, open_context

ROLES = {False: ("admin", "staff"), True: ("admin",)}
MAX_WINDOW_MIN = 240
MAX_DAYS = 60


def register(sub: Subcommands, common: Common) -> None:
    p = command(sub, "contacts", cmd_contacts, common, help="close contacts (depth 1) and secondary contacts (depth 2) of a person, as JSON")
    p.add_argument("--id", dest="id_number", required=True, help="the person's ID number (18-digit resident ID)")
    p.add_argument("--from", dest="start", help="first day YYYY-MM-DD (or ISO time); default 14 days before --to")
    p.add_argument("--to", dest="end", help="last day YYYY-MM-DD (or ISO time); default now")
    p.add_argument("--window", type=int, default=15, help="minutes either side of a pass (default 15)")
    p.add_argument("--depth", type=int, choices=[1, 2], default=1)
    p.add_argument("--json", action="store_true", help="accepted for symmetry: the output is always one JSON object")
    p.add_argument("--full", action="store_true", help="clear names and ID numbers (admin role; audited as a reveal)")
    p.add_argument("--by", required=True, help="your console account (audited; see `kiosk-central user list`)")
    p.add_argument("--tz", default="Asia/Shanghai", help="zone of --from/--to dates (default Asia/Shanghai)")


def _when(text: str, tz: ZoneInfo, *, end: bool) -> dt.datetime:
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time(), tz) - dt.timedelta(milliseconds=int(end))
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--{'to' if end else 'from'} must be YYYY-MM-DD or an ISO 8601 time, got {text!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def parse_query(args: argparse.Namespace, now: dt.datetime) -> Any:
    from sync.server.contacts.tracing import ContactQuery

    check = validate_id("cn-id", args.id_number, now.date())
    if not check.ok:
        raise ValueError("--id: " + "; ".join(e.en for e in check.errors))
    if not 1 <= args.window <= MAX_WINDOW_MIN:
        raise ValueError(f"--window must be 1..{MAX_WINDOW_MIN} minutes, got {args.window}")
    try:
        tz = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"--tz: unknown time zone {args.tz!r}") from None
    end = _when(args.end, tz, end=True) if args.end else now
    start = _when(args.start, tz, end=False) if args.start else end - dt.timedelta(days=14)
    if start > end:
        raise ValueError("--from is after --to")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ValueError(f"the period is longer than {MAX_DAYS} days")
    return ContactQuery(check.number, int(start.timestamp() * 1000), int(end.timestamp() * 1000), args.window * 60_000,
                        args.depth, args.full)


def cmd_contacts(args: argparse.Namespace) -> int:
    from sync.server.console.auth import load_account
    from sync.server.console.scope import visible_gates
    from sync.server.contacts.tracing import Keys, audited_lookup

    q = parse_query(args, utc_now())
    ctx = open_context(args)
    keys = Keys(ctx.lookup_master, ctx.identity_private, ctx.data_key)
    with ctx.engine.begin() as conn:
        who = load_account(conn, args.by)
        if who is None:
            raise ValueError(f"--by {args.by!r} is not an enabled console account")
        if who.role not in ROLES[q.full]:
            need = " or ".join(ROLES[q.full])
            raise ValueError(f"{args.by!r} has the role {who.role!r}; {'--full' if q.full else 'a contacts look-up'} needs {need}")
        if not who.is_admin:  # staff: only the passes at their own communities' gates
            q = replace(q, gates=frozenset(g.device_id for g in visible_gates(conn, who)))
        result = audited_lookup(conn, keys, q, args.by)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0
