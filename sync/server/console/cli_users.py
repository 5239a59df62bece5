"""`kiosk-central user ...` and `kiosk-central community ...`: console accounts and communities.

Passwords are read from standard input (one line), never from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys

from sqlalchemy import Connection, delete, insert, select, update

from sync.protocol.clock import utc_iso
from sync.server.cli import Common, Subcommands, command, open_context
from sync.server.console.audit import audit
from sync.server.console.auth import ROLES, check_name, check_password, end_sessions_of, hash_password
from sync.server.console.tables import communities, user_communities, users

COMMUNITY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
CLI_ACTOR = "cli"



def read_password(prompt: str = "password: ") -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return check_password(first)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise ValueError("no password on standard input (pipe it in: echo 'PASSWORD' | kiosk-central user add ...)")
    return check_password(line)


def check_community(community_id: str) -> str:
    if not COMMUNITY_RE.fullmatch(community_id):
        raise ValueError(f"community id {community_id!r}: 1-40 lower-case letters, digits, '_' or '-'")
    return community_id


def add_community(conn: Connection, community_id: str, name: str) -> None:
    check_community(community_id)
    if not name.strip() or len(name) > 100:
        raise ValueError("the community name must have 1-100 characters")
    if conn.execute(select(communities.c.community_id).where(communities.c.community_id == community_id)).first():
        conn.execute(update(communities).where(communities.c.community_id == community_id).values(name=name.strip()))
    else:
        conn.execute(insert(communities).values(community_id=community_id, name=name.strip(), mode="normal"))


def add_user(conn: Connection, name: str, role: str, password: str, community_ids: list[str]) -> None:
    check_name(name)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_password(password)
    known = set(conn.execute(select(communities.c.community_id)).scalars())
    unknown = [c for c in community_ids if c not in known]
    if unknown:
        raise ValueError(f"unknown community {unknown[0]!r}: add it first (kiosk-central community add ID --name NAME)")
    if role != "admin" and not community_ids:
        raise ValueError(f"a {role} account needs at least one --community (admins see every community)")
    if conn.execute(select(users.c.name).where(users.c.name == name)).first():
        raise ValueError(f"the account {name!r} exists already (user reset-password, user disable)")
    conn.execute(insert(users).values(name=name, role=role, password_hash=hash_password(password), disabled=False, created_at=utc_iso(timespec="seconds")))
    for c in dict.fromkeys(community_ids):
        conn.execute(insert(user_communities).values(name=name, community_id=c))


def cmd_user_add(args: argparse.Namespace) -> int:
    password = read_password()
    with open_context(args).engine.begin() as conn:
        for c in args.community:
            check_community(c)
        add_user(conn, args.name, args.role, password, args.community)
        audit(conn, CLI_ACTOR, "user.add", args.name, f"role={args.role} communities={','.join(args.community)}")
    print(f"account {args.name} ({args.role}) added")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with open_context(args).engine.connect() as conn:
        comms: dict[str, list[str]] = {}
        for n, c in conn.execute(select(user_communities.c.name, user_communities.c.community_id).order_by(user_communities.c.community_id)):
            comms.setdefault(n, []).append(c)
        rows = [{"name": u.name, "role": u.role, "disabled": bool(u.disabled), "communities": comms.get(u.name, []), "created_at": u.created_at}
                for u in conn.execute(select(users).order_by(users.c.name))]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        scope = "all communities" if r["role"] == "admin" else ",".join(r["communities"])
        print(f"{r['name']}  {r['role']}  {scope}{'  DISABLED' if r['disabled'] else ''}")
    if not rows:
        print("(none)")
    return 0


def _require_user(conn: Connection, name: str) -> None:
    if conn.execute(select(users.c.name).where(users.c.name == name)).first() is None:
        raise ValueError(f"no console account {name!r} (see kiosk-central user list)")


def cmd_user_disable(args: argparse.Namespace) -> int:
    with open_context(args).engine.begin() as conn:
        _require_user(conn, args.name)
        conn.execute(update(users).where(users.c.name == args.name).values(disabled=True))
        end_sessions_of(conn, args.name)
        audit(conn, CLI_ACTOR, "user.disable", args.name)
    print(f"account {args.name} disabled; its sessions ended")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    password = read_password("new password: ")
    with open_context(args).engine.begin() as conn:
        _require_user(conn, args.name)
        conn.execute(update(users).where(users.c.name == args.name).values(password_hash=hash_password(password), disabled=False))
        end_sessions_of(conn, args.name)
        audit(conn, CLI_ACTOR, "user.reset-password", args.name)
    print(f"password of {args.name} replaced; its sessions ended")
    return 0


def cmd_community_add(args: argparse.Namespace) -> int:
    with open_context(args).engine.begin() as conn:
        add_community(conn, args.community_id, args.name)
        audit(conn, CLI_ACTOR, "community.add", args.community_id, args.name)
    print(f"community {args.community_id} ({args.name})")
    return 0


def cmd_community_list(args: argparse.Namespace) -> int:
    with open_context(args).engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(communities).order_by(communities.c.community_id))]
    for r in rows:
        print(f"{r['community_id']}  {r['name']}  {r['mode']}")
    if not rows:
        print("(none)")
    return 0


def assign_gate(conn: Connection, community_id: str, device_id: str) -> None:
    from sync.server.console.tables import device_communities
    from sync.server.devices.tables import devices

    if conn.execute(select(communities.c.community_id).where(communities.c.community_id == community_id)).first() is None:
        raise ValueError(f"unknown community {community_id!r} (kiosk-central community add)")
    if conn.execute(select(devices.c.device_id).where(devices.c.device_id == device_id)).first() is None:
        raise ValueError(f"no enrolled device {device_id!r} (see kiosk-central device list)")
    conn.execute(delete(device_communities).where(device_communities.c.device_id == device_id))
    conn.execute(insert(device_communities).values(device_id=device_id, community_id=community_id))


def cmd_community_add_gate(args: argparse.Namespace) -> int:
    with open_context(args).engine.begin() as conn:
        assign_gate(conn, args.community_id, args.device_id)
        audit(conn, CLI_ACTOR, "device.community", args.device_id, args.community_id)
    print(f"{args.device_id} belongs to {args.community_id}")
    return 0


def register(sub: Subcommands, common: Common) -> None:
    usr = sub.add_parser("user", help="console accounts (password from standard input)").add_subparsers(dest="user_command", required=True)
    p = command(usr, "add", cmd_user_add, common, help="add an account: admin (everything), staff (their communities), viewer (read-only)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--community", action="append", default=[], metavar="ID", help="a community the account may see (repeatable)")
    p = command(usr, "list", cmd_user_list, common, help="accounts, roles and communities")
    p.add_argument("--json", action="store_true")
    p = command(usr, "disable", cmd_user_disable, common, help="refuse an account's sign-in and end its sessions")
    p.add_argument("name")
    p = command(usr, "reset-password", cmd_user_reset_password, common, help="set a new password (from standard input) and end the account's sessions")
    p.add_argument("name")

    com = sub.add_parser("community", help="communities (each gate belongs to one)").add_subparsers(dest="community_command", required=True)
    p = command(com, "add", cmd_community_add, common, help="add or rename a community")
    p.add_argument("community_id")
    p.add_argument("--name", required=True)
    p = command(com, "add-gate", cmd_community_add_gate, common, help="put an enrolled gate (device) into a community")
    p.add_argument("community_id")
    p.add_argument("device_id")
    command(com, "list", cmd_community_list, common, help="communities and their mode")
