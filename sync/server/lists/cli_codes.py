"""`kiosk-central issue-code` and `code set-colour`: demo health codes for the demo and the tests.

A cn-token is an opaque URL whose colour lives only in the registry (asked via /v1/code-check);
a cn-signed code (HCN1:) carries its colour signed by our demo issuer key, whose public key
goes into the bundle's trust.cn_issuers.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete

from sync.common.cn_signed import issue_cn_signed, load_issuer_key
from sync.common.identity import validate_id, validate_name
from sync.protocol.clock import utc_iso, utc_now, utc_now_iso
from sync.server import keys
from sync.server.cli import Common, Subcommands, command, open_context
from sync.server.lists import bundles, registry
from sync.server.lists.tables import trust_entries

ISSUER = "kiosk-central demo issuer"



def cmd_issue_code(args: argparse.Namespace) -> int:
    name, err = validate_name(args.name)
    if err:
        raise ValueError(str(err))
    check = validate_id("cn-id", args.id_number, date.today())
    if not check.ok:
        raise ValueError(str(check.errors[0]))
    if not 1 <= args.valid_days <= 31:
        raise ValueError("--valid-days must be 1-31")
    ctx = open_context(args)
    now = utc_now()
    if args.kind == "cn-token":
        with ctx.engine.begin() as conn:
            issued = registry.issue_token(conn, ctx.settings.data_dir, ctx.settings.base_url, name=name, id_number=check.number,
                                          colour=args.colour, now_iso=utc_iso(now, "milliseconds"))
        text, extra = issued.qr_text, {"token": issued.token}
    else:
        issuer = load_issuer_key(keys.issuer_key_pem(ctx.settings.data_dir))
        code_id = str(uuid.uuid4())
        text = issue_cn_signed(code_id=code_id, colour=args.colour, holder_name=name, id_number=check.number, issuer=ISSUER,
                               issued_at=now, expires_at=now + timedelta(days=args.valid_days), private_key=issuer.private_key, kid=issuer.kid)
        with ctx.engine.begin() as conn:  # publish the issuer key in the bundle (idempotent)
            conn.execute(delete(trust_entries).where(trust_entries.c.kind == "cn_issuer", trust_entries.c.kid == issuer.kid_b64))
            conn.execute(trust_entries.insert().values(kind="cn_issuer", kid=issuer.kid_b64, material=issuer.public_pem(), issuer=ISSUER))
            bundles.touch(conn, utc_iso(now, "seconds"))
        extra = {"code_id": code_id, "kid": issuer.kid_b64}
    if args.png:
        import segno

        segno.make(text, error="m").save(args.png, scale=8, border=4)
    if args.json:
        print(json.dumps({"kind": args.kind, "text": text, "colour": args.colour, "png": str(args.png) if args.png else None} | extra, ensure_ascii=False))
    else:
        print(text)
    return 0


def cmd_set_colour(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with ctx.engine.begin() as conn:
        if not registry.set_colour(conn, args.token, args.colour, utc_now_iso()):
            raise ValueError(f"no code with token {args.token!r} in the registry")
    print(f"{args.token}: {args.colour}")
    return 0


def register_codes(sub: Subcommands, common: Common) -> None:
    p = command(sub, "issue-code", cmd_issue_code, common, help="mint a demo health code (cn-token URL in the registry, or a cn-signed HCN1: code)")
    p.add_argument("--kind", choices=["cn-token", "cn-signed"], default="cn-token")
    p.add_argument("--name", required=True)
    p.add_argument("--id-number", required=True)
    p.add_argument("--colour", choices=list(registry.COLOURS), default="green")
    p.add_argument("--valid-days", type=int, default=7, help="cn-signed only (1-31)")
    p.add_argument("--png", type=Path, help="also write the QR code as a PNG")
    p.add_argument("--json", action="store_true")

    codes = sub.add_parser("code", help="the demo code registry").add_subparsers(dest="code_command", required=True)
    p = command(codes, "set-colour", cmd_set_colour, common, help="change a cn-token's colour (as the platform would)")
    p.add_argument("token", help="as `issue-code` printed it (an older token that starts with '-' goes after `--`)")
    p.add_argument("colour", choices=list(registry.COLOURS))
