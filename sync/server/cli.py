"""`kiosk-central`: run the reference central server and administer it.

Server settings are options here with KIOSK_CENTRAL_* environment fall-backs (not kiosk/settings.py).
Commands that only read or fill the database never start the web server. The server's own commands
are here (serve, migrate, init, admin-token, device, verify); each room registers its own
(lists/cli.py, alerts/cli.py, contacts/cli.py, console/cli_users.py, records/cli.py's listings).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from sync.server.settings import ServerSettings, SettingsError, from_env, to_env

if TYPE_CHECKING:
    from sync.server.context import ServerContext


Common = Callable[[argparse.ArgumentParser], None]  # adds the options every command takes (_common)
Subcommands = argparse._SubParsersAction  # what add_subparsers returns


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="keys, admin token and the default SQLite file (env KIOSK_CENTRAL_DATA_DIR; default ./central-data)")
    p.add_argument("--db", help="database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (env KIOSK_CENTRAL_DB)")


def command(sub: Subcommands, name: str, func: Callable[[argparse.Namespace], int], common: Common, help: str) -> argparse.ArgumentParser:
    """A subcommand with the common options that runs `func`; the caller adds its own options. Every
    command module registers its commands so (the rooms get `common` from build_parser)."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help)
    common(p)
    p.set_defaults(func=func)
    return p


def settings_from(args: argparse.Namespace, **extra: Any) -> ServerSettings:
    from pathlib import Path

    return from_env(data_dir=Path(args.data_dir) if args.data_dir else None, db=args.db, **extra)


def open_context(args: argparse.Namespace, **extra: Any) -> ServerContext:
    """The server's context for this command; it is closed when the command returns (main's `args.opened`)."""
    from sync.server.context import ServerContext

    opened: ExitStack = args.opened
    return opened.enter_context(ServerContext.open(settings_from(args, **extra)))


def _emit(rows: Any, as_json: bool, fmt: str | None = None) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    elif isinstance(rows, list):
        for row in rows:
            print(fmt.format(**row) if fmt else row)
        if not rows:
            print("(none)")
    else:
        print(rows)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.context import ServerContext

    settings = settings_from(args, host=args.host, port=args.port, workers=args.workers, tls_cert=args.tls_cert, tls_key=args.tls_key, db_pool=args.db_pool)
    problem = settings.serving_problem()
    if problem:
        print(f"kiosk-central serve: {problem}", file=sys.stderr)
        return 2
    with ServerContext.open(settings):  # migrate and create keys once, before any worker starts
        pass
    os.environ.update(to_env(settings))
    if settings.workers > 1:
        from sync.server.supervision import ENV_SUPERVISOR_PID

        os.environ[ENV_SUPERVISOR_PID] = str(os.getpid())  # workers stop when this process dies
    print(f"kiosk-central on {'https' if settings.tls_cert else 'http'}://{settings.host}:{settings.port} ({settings.workers} worker(s)), database "
          f"{settings.db_url.split('@')[-1]}; OpenAPI at {'/docs' if settings.api_docs else '/admin/openapi.json (admin token)'}", flush=True)
    if settings.workers > 1 and not settings.tls_cert:  # a listening socket per worker (SO_REUSEPORT): the kernel spreads the kiosks
        from sync.server.serving import run_workers

        return run_workers(settings.host, settings.port, settings.workers, args.log_level)
    from sync.server.serving import KEEP_ALIVE_S

    uvicorn.run("sync.server.app:app_from_env", factory=True, host=settings.host, port=settings.port, workers=settings.workers,
                timeout_keep_alive=KEEP_ALIVE_S, log_level=args.log_level, access_log=args.log_level == "debug",
                timeout_graceful_shutdown=5, ssl_certfile=settings.tls_cert or None, ssl_keyfile=settings.tls_key or None)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    print(f"schema up to date on {ctx.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    print(f"server ready: data folder {ctx.settings.data_dir.resolve()} (keys, admin token), database "
          f"{ctx.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    from sync.server.keys import admin_token

    print(admin_token(settings_from(args).data_dir))
    return 0


def cmd_device_add(args: argparse.Namespace) -> int:
    """The server assigns the device id and binds a one-time enrolment code to it."""
    from sync.server.devices.enrol import new_device

    settings = settings_from(args)
    if not 1 <= args.count <= 1000:
        raise ValueError("--count must be 1-1000")
    with open_context(args).engine.begin() as conn:
        issued = [new_device(conn, args.label, args.ttl_hours or settings.enroll_ttl_hours, args.community) for _ in range(args.count)]
    pairs = [{"device_id": d.device_id, "enroll_code": d.enroll_code} for d in issued]
    if args.json:
        _emit(pairs[0] if len(pairs) == 1 else pairs, True)
    else:
        for d in issued:
            print(f"{d.device_id}  {d.enroll_code}")
    print(f"one-time enrolment code(s) for community {issued[0].community!r}, valid until {issued[0].expires_at}; "
          "on the kiosk: kiosk provision --server URL --enroll-code CODE", file=sys.stderr)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Re-read and re-check every stored chain (or one device's); exit 1 when one fails."""
    from sync.server.records.verify import verify_devices

    with open_context(args).engine.begin() as conn:
        results = verify_devices(conn, args.device)
    if args.json:
        _emit([{"device_id": r.device_id, "ok": r.ok, "verified_through_seq": r.verified_through,
                "acked_through_seq": r.acknowledged_through, "problem": r.problem} for r in results], True)
    for r in results if not args.json else []:
        print(f"{r.device_id}  " + (f"ok: verified through seq {r.verified_through}" if r.ok else f"FAILED: {r.problem}"))
    if not results and not args.json:
        print("(no devices)")
    return 0 if all(r.ok for r in results) else 1


def cmd_device_revoke(args: argparse.Namespace) -> int:
    """A lost or stolen kiosk: its requests are refused from now on, for good; its records stay."""
    from sync.protocol import utc_now_iso
    from sync.server.devices.enrol import revoke

    with open_context(args).engine.begin() as conn:
        done = revoke(conn, args.device_id, utc_now_iso())
    if not done:
        raise ValueError(f"no enrolled device {args.device_id!r} (see kiosk-central device list)")
    print(f"{args.device_id}: revoked (permanent; the kiosk keeps its data; enrol a replacement with `kiosk-central device add`)")
    return 0


def cmd_device_enable(args: argparse.Namespace) -> int:
    raise ValueError(f"revocation is permanent: {args.device_id!r} cannot be enabled again; issue a new device with `kiosk-central device add`")


def build_parser() -> argparse.ArgumentParser:
    from sync.server.alerts import cli as alerts_cli
    from sync.server.console import cli_users
    from sync.server.contacts import cli as contacts_cli
    from sync.server.lists import cli as lists_cli
    from sync.server.records.cli import (
        add_listing_options,
        add_sync_log_options,
        cmd_device_list,
        cmd_records_count,
        cmd_reports,
        cmd_sync_log,
    )

    parser = argparse.ArgumentParser(prog="kiosk-central", description="Reference central server for checkpoint kiosks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = command(sub, "serve", cmd_serve, _common, help="run the HTTP server")
    p.add_argument("--host", help="bind address (env KIOSK_CENTRAL_HOST; default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env KIOSK_CENTRAL_PORT; default 8080)")
    p.add_argument("--workers", type=int, help="worker processes; >1 needs PostgreSQL (env KIOSK_CENTRAL_WORKERS; default 1)")
    p.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS directly (env KIOSK_CENTRAL_TLS_CERT); "
                   "without it the server only binds a loopback address")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert (env KIOSK_CENTRAL_TLS_KEY)")
    p.add_argument("--db-pool", type=int, help="PostgreSQL connections kept open per worker, about the requests it runs at once "
                   "(env KIOSK_CENTRAL_DB_POOL; default 20)")
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])

    command(sub, "migrate", cmd_migrate, _common, help="create or upgrade the database schema (Alembic)")

    command(sub, "init", cmd_init, _common, help="create the data folder (keys, admin token) and the database; other commands need it")

    command(sub, "admin-token", cmd_admin_token, _common, help="print the bearer token for /admin/*")

    p = command(sub, "sync-log", cmd_sync_log, _common, help="what each kiosk sent and what the server answered (newest first)")
    add_listing_options(p)
    add_sync_log_options(p)

    p = command(sub, "reports", cmd_reports, _common, help="daily (and zero) reports received from kiosks")
    p.add_argument("--date", help="YYYY-MM-DD")
    add_listing_options(p)

    rec = sub.add_parser("records", help="records received").add_subparsers(dest="records_command", required=True)
    p = command(rec, "count", cmd_records_count, _common, help="records held per gate, last contact and upload lag")
    p.add_argument("--device", help="only this device id: print its count alone")
    add_listing_options(p)

    dev = sub.add_parser("device", help="kiosks").add_subparsers(dest="device_command", required=True)
    p = command(dev, "add", cmd_device_add, _common, help="assign a device id for a new kiosk and a one-time enrolment code bound to it")
    p.add_argument("--label", default="", help="a name for the gate, e.g. 'East gate'")
    p.add_argument("--ttl-hours", type=int)
    p.add_argument("--count", type=int, default=1, help="how many devices (one code each)")
    p.add_argument("--community", default="default", help="the community the gate belongs to (its roster look-up key)")
    p.add_argument("--json", action="store_true", help='print {"device_id": ..., "enroll_code": ...} (a list with --count > 1)')
    p = command(dev, "list", cmd_device_list, _common, help="gates: last contact, upload lag, backlog, gaps, chain status, last `kiosk doctor` result")
    add_listing_options(p)
    for name, func, text in (("revoke", cmd_device_revoke, "refuse a lost or stolen kiosk for good (records stay)"),
                             ("disable", cmd_device_revoke, "the same as revoke (permanent)"),
                             ("enable", cmd_device_enable, "refused: revocation is permanent")):
        p = command(dev, name, func, _common, help=text)
        p.add_argument("device_id")

    p = command(sub, "verify", cmd_verify, _common, help="re-read the stored records and re-check each device's chain (exit 1 on a problem)")
    p.add_argument("--device", help="only this device id")
    p.add_argument("--json", action="store_true")

    lists_cli.register(sub, _common)  # roster, risk areas, mode, trust, bundle, demo codes
    alerts_cli.register(sub, _common)  # home isolation, alerts, monitoring, community report
    cli_users.register(sub, _common)  # console accounts and communities
    contacts_cli.register(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from sync.server.existing import CREATING_COMMANDS, require_existing

    args = build_parser().parse_args(argv)
    with ExitStack() as args.opened:  # the contexts this run opens (open_context) are closed when it ends
        try:
            if args.command not in CREATING_COMMANDS:
                require_existing(settings_from(args))
            return int(args.func(args))
        except (SettingsError, ValueError, OSError) as exc:
            print(f"kiosk-central: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
