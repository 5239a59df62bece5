"""`kiosk-central` commands that fill the bundle (roster, risk areas, mode, trust) and mint demo codes."""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import re
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, delete, select

from sync.common.masking import mask_id, mask_phone
from sync.protocol.clock import utc_iso
from sync.server.cli import Common, Subcommands, command, open_context
from sync.server.context import ServerContext
from sync.server.devices.device_secrets import community_lookup_key
from sync.server.lists import bundles, risk_areas
from sync.server.lists.tables import roster, trust_entries


def _roster_add(conn: Connection, ctx: ServerContext, person: dict[str, str]) -> str:
    fields = {k: v for k, v in person.items() if k != "uuid"}
    return bundles.add_resident(conn, ctx.data_key, uuid=person.get("uuid") or None, now_iso=utc_iso(timespec="seconds"), **fields)


def cmd_roster_add(args: argparse.Namespace) -> int:
    person = bundles.clean_person({f: getattr(args, f) or "" for f in bundles.ROSTER_FIELDS}, "")
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        uid = _roster_add(conn, ctx, person | {"uuid": args.uuid or ""})
        bundles.touch(conn, utc_iso(timespec="seconds"))
    print(uid)
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    """CSV with a header row naming name,id_number,phone,building,unit,room[,uuid]; all rows or none."""
    with open(args.csv, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"name"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{args.csv}: the header must name the columns {', '.join(bundles.ROSTER_FIELDS)} (missing: name)")
        people = [bundles.clean_person(row, f"{args.csv} line {reader.line_num}: ") | {"uuid": (row.get("uuid") or "").strip()} for row in reader]
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        for person in people:
            _roster_add(conn, ctx, person)
        bundles.touch(conn, utc_iso(timespec="seconds"))
    print(f"imported {len(people)} resident(s)")
    return 0


def cmd_roster_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.engine.connect() as conn:
        rows = [
            {"uuid": r.uuid, "name": r.name, "id_masked": mask_id(bundles.unseal(ctx.data_key, r.id_number)),
             "phone_masked": mask_phone(bundles.unseal(ctx.data_key, r.phone)),
             "address": "-".join(x for x in (r.building, r.unit, r.room) if x)}
            for r in conn.execute(select(roster).order_by(roster.c.building, roster.c.unit, roster.c.room))
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    for r in [] if args.json else rows:
        print(f"{r['uuid']}  {r['name']}  {r['id_masked']}  {r['phone_masked']}  {r['address']}")
    return 0


def cmd_risk_set(args: argparse.Namespace) -> int:
    since = args.since or date.today().isoformat()
    risk_areas.check(args.region_code, args.level, since)  # refused before the database is opened
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        code = risk_areas.set_level(conn, args.region_code, args.level, since, utc_iso(timespec="seconds"))
    print(f"{code}: {args.level}")
    return 0


def cmd_mode(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        if args.mode:
            bundles.set_mode(conn, args.mode, utc_iso(timespec="seconds"))
        print(bundles.get_state(conn, "mode", "normal"))
    return 0


def cmd_trust_add_dsc(args: argparse.Namespace) -> int:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    raw = Path(args.cert).read_bytes()
    cert = x509.load_pem_x509_certificate(raw) if b"-----BEGIN" in raw else x509.load_der_x509_certificate(raw)
    der = cert.public_bytes(Encoding.DER)
    kid = args.kid or base64.b64encode(hashlib.sha256(der).digest()[:8]).decode("ascii")
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        conn.execute(delete(trust_entries).where(trust_entries.c.kind == "dsc", trust_entries.c.kid == kid))
        conn.execute(trust_entries.insert().values(kind="dsc", kid=kid, material=base64.b64encode(der).decode("ascii"), issuer=""))
        bundles.touch(conn, utc_iso(timespec="seconds"))
    print(kid)
    return 0


def cmd_trust_revoke(args: argparse.Namespace) -> int:
    value = args.sha256.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ValueError("the revoked hash must be 64 hex digits (SHA-256)")
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        kind = f"revoked_{args.what}"
        conn.execute(delete(trust_entries).where(trust_entries.c.kind == kind, trust_entries.c.kid == value))
        conn.execute(trust_entries.insert().values(kind=kind, kid=value, material="", issuer=""))
        bundles.touch(conn, utc_iso(timespec="seconds"))
    print(f"revoked {args.what} {value}")
    return 0


def cmd_bundle_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.engine.connect() as conn:
        content = bundles.build(conn, ctx.data_key, community_lookup_key(ctx.lookup_master, args.community))
    print(json.dumps(content, ensure_ascii=False, indent=2))
    return 0


def register(sub: Subcommands, common: Common) -> None:
    from sync.server.lists.cli_codes import register_codes

    ros = sub.add_parser("roster", help="the resident roster sent to kiosks").add_subparsers(dest="roster_command", required=True)
    p = command(ros, "add", cmd_roster_add, common, help="add or replace one resident")
    p.add_argument("--uuid")
    p.add_argument("--name", required=True)
    for f in bundles.ROSTER_FIELDS[1:]:
        p.add_argument(f"--{f.replace('_', '-')}", dest=f, default="")
    p = command(ros, "import", cmd_roster_import, common, help="add residents from a CSV file (all rows or none)")
    p.add_argument("csv")
    p = command(ros, "list", cmd_roster_list, common, help="the roster, ID numbers and phones masked")
    p.add_argument("--json", action="store_true")

    risk = sub.add_parser("risk-area", help="risk areas sent to kiosks").add_subparsers(dest="risk_command", required=True)
    p = command(risk, "set", cmd_risk_set, common, help="set a region's level ('none' removes it)")
    p.add_argument("region_code")
    p.add_argument("level", choices=["low", "medium", "high", "none"])
    p.add_argument("--since", help="YYYY-MM-DD (default today)")

    p = command(sub, "mode", cmd_mode, common, help="show or set the community mode sent to kiosks")
    p.add_argument("mode", nargs="?", choices=["normal", "lockdown"])

    tr = sub.add_parser("trust", help="signer certificates and revocations in the bundle").add_subparsers(dest="trust_command", required=True)
    p = command(tr, "add-dsc", cmd_trust_add_dsc, common, help="add a DCC signer certificate (PEM or DER file)")
    p.add_argument("cert")
    p.add_argument("--kid", help="base64 kid (default: first 8 bytes of SHA-256 of the certificate)")
    p = command(tr, "revoke", cmd_trust_revoke, common, help="revoke a certificate by UVCI hash or signature hash")
    p.add_argument("what", choices=["uvci", "signature"])
    p.add_argument("sha256")

    p = command(sub, "bundle", cmd_bundle_show, common, help="show the bundle a community's kiosks receive (look-up hashes and masked forms)")
    p.add_argument("--community", default="default")
    register_codes(sub, common)

