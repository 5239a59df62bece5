"""`kiosk provision --server URL --enroll-code CODE`: enrol this kiosk with the central server."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.commands import config_from, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("provision", help="enrol this kiosk with the central server (device id, secret, bundle key)")
    p.add_argument("--server", metavar="URL", help="the central server's base URL (https, or http to this machine)")
    p.add_argument("--enroll-code", metavar="CODE", help="one-time code from `kiosk-central device add`")
    p.add_argument("--roll-key", action="store_true", help="ask for a new device secret (signed with the current one) instead of enrolling")
    p.add_argument("--label", default="", help="a name for this gate on the server, e.g. 'East gate'")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    cfg = config_from(args)
    from sync.credentials import CredentialsError
    from sync.provision import ProvisionError, provision, roll_key, summary

    if args.roll_key:
        try:
            creds = roll_key(cfg.data_dir, server_url=cfg["sync.server_url"], ca_bundle=cfg["sync.ca_bundle"], timeout_s=cfg["sync.timeout_s"],
                             secrets_dir=cfg.secrets_dir)
        except (ProvisionError, CredentialsError) as exc:
            print(f"kiosk provision: {exc}", file=sys.stderr)
            return 1
        print(f"device {creds.device_id}: new secret saved; the old one stops working at the next sync")
        return 0
    if not args.server or not args.enroll_code:
        print("kiosk provision: --server and --enroll-code are required (or --roll-key)", file=sys.stderr)
        return 2

    store = open_kiosk_store(cfg)
    try:
        creds, path = provision(
            store, cfg.data_dir, args.server, args.enroll_code, label=args.label or cfg["kiosk.gate_name"],
            ca_bundle=cfg["sync.ca_bundle"], timeout_s=cfg["sync.timeout_s"], secrets_dir=cfg.secrets_dir,
        )
    except (ProvisionError, CredentialsError) as exc:
        print(f"kiosk provision: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(summary(creds, path))
    return 0
