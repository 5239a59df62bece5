"""`kiosk sync [--once]`, `kiosk sync status`, `kiosk sync retry-failed` and `kiosk sync-log`.

No screen needed: nothing here imports kivy or cv2. Status and log open the database
read-only, so they work beside the running kiosk; retry-failed is handed to the running
process over its control channel (sync/control.py) when another process holds the writer.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.commands import config_from, open_kiosk_reader, open_kiosk_store


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="upload pending records and pull the bundle (see also: sync status)")
    p.add_argument("--once", action="store_true", help="one round, then exit: 0 when every record is on the server")
    p.add_argument("--wait", type=float, default=0.0, metavar="S", help="with --once: wait out retries for up to S seconds")
    p.set_defaults(handler=run_sync)
    ssub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    s = ssub.add_parser("status", help="pending and failed records, last success and error, clock skew")
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(handler=status)
    r = ssub.add_parser("retry-failed", help="send the parked (failed) records again")
    r.set_defaults(handler=retry_failed)
    log = sub.add_parser("sync-log", help="every upload, pull and code re-check attempt")
    log.add_argument("--since", metavar="T", help="from this time: 2026-11-28 or 2026-11-28T07:00 (kiosk time zone) or with an offset")
    log.add_argument("--limit", type=int, default=200, help="at most this many rows (newest)")
    log.add_argument("--json", action="store_true", help="JSON lines")
    log.set_defaults(handler=sync_log)


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    cfg = config_from(args)

    return cfg, open_kiosk_store(cfg)


def run_sync(args: argparse.Namespace) -> int:
    from kiosk.service.reports import Reports
    from kiosk.store.vault import VaultError
    from sync.credentials import CredentialsError
    from sync.factory import make_worker
    from sync.protocol import BundleError

    if args.wait < 0:
        print("kiosk sync: --wait must be zero or more seconds", file=sys.stderr)
        return 2
    cfg, store = _open(args)
    checker = None
    try:
        try:
            checker = _checker(cfg)
            # Running for good (not --once), the worker files the evening's daily report itself.
            worker = make_worker(cfg, store, checker=checker, file_reports=None if args.once else Reports(store, cfg).file_due)
        except (CredentialsError, BundleError, VaultError) as exc:
            print(f"kiosk sync: {exc}", file=sys.stderr)
            return 2
        if not args.once:
            return _forever(worker)
        try:
            done = worker.run_round(max_wait_s=args.wait)
        finally:
            worker.uploader.release()  # nothing stays claimed by a process that is exiting
            worker.uploader.link.close()
        stats = worker.uploader.outbox.stats()
        last_error = collect_status(cfg, store)["last_error"]
    finally:
        if checker is not None:
            checker.close()
        store.close()
    pulled, left = done.pulled, done.unsent
    if done.rechecked is not None and (done.rechecked.checked or done.rechecked.offline):
        r = done.rechecked
        print(f"re-checks: {r.checked} done ({r.mismatched} mismatch alert(s))" + ("; platform offline, the rest wait" if r.offline else ""))
    if pulled is not None:
        print(f"bundle: {pulled.status}" + (f" ({pulled.error})" if pulled.error else ""))
    print(f"records on the server: {stats.sent}; still to send: {left}; parked as failed: {stats.failed}")
    if stats.failed:
        print("kiosk sync: parked records need the admin: see `kiosk sync status`, then `kiosk sync retry-failed`", file=sys.stderr)
    if left:
        print(f"kiosk sync: {left} record(s) not sent yet; they go with the next sync (last error: {last_error or 'none'})", file=sys.stderr)
    return 0 if left == 0 and stats.failed == 0 else 1


def _checker(cfg: Any) -> Any:
    """The online code check for re-checking offline passes (sync's HttpCodeChecker)."""
    from sync import credentials
    from sync.code_check import HttpCodeChecker

    creds = credentials.load(cfg.data_dir)
    return HttpCodeChecker(
        creds, timeout_s=cfg["codes.check_timeout_s"], base_url=cfg["sync.server_url"] or None, ca_bundle=cfg["sync.ca_bundle"]
    )


def _forever(worker: Any) -> int:
    import signal
    import threading

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    worker.start()
    print("kiosk sync: running; Ctrl-C to stop", flush=True)
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    worker.stop()
    return 0


def collect_status(cfg: Any, store: Any) -> dict[str, Any]:
    from sync.status import sync_status

    return sync_status(cfg, store)


def _local(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return "never"
    try:
        return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value


def status(args: argparse.Namespace) -> int:
    cfg = config_from(args)
    store = open_kiosk_reader(cfg)
    try:
        st = collect_status(cfg, store)
    finally:
        store.close()
    if args.json:
        print(json.dumps(st, ensure_ascii=False, indent=2))
        return 0
    tz = ZoneInfo(cfg["kiosk.timezone"])
    if st.get("revoked"):
        print(f"REVOKED:       this gate was revoked (seen {_local(st['revoked_at'], tz)}); nothing is sent; its records are kept here")
    print(f"server:        {st['server'] or '(not provisioned: run kiosk provision)'}")
    print(f"connection:    {'online' if st['online'] else ('offline' if st['online'] is False else 'not tried yet')}")
    print(f"pending:       {st['pending']} record(s), oldest from {_local(st['oldest_pending_at'], tz)}")
    print(f"failed:        {st['failed']} record(s) parked" + (" — `kiosk sync retry-failed` after fixing the cause" if st["failed"] else ""))
    for row in st["parked"][:5]:
        print(f"               seq {row['seq']} ({row['kind']}), {row['attempts']} attempt(s): {row['error']}")
    print(f"on the server: {st['sent']}")
    print(f"last upload:   {_local(st['last_upload_at'], tz)}" + ("" if st["last_upload_at"] else " (no batch accepted yet)"))
    print(f"last pull:     {_local(st['last_pull_at'], tz)} (bundle)")
    print(f"last error:    {st['last_error'] or 'none'}" + (f" (at {_local(st['last_error_at'], tz)})" if st["last_error"] else ""))
    if st["clock_skew_s"] is not None:
        warn = "  <-- WARNING: the kiosk clock is off; fix the time" if st["clock_skew_warning"] else ""
        print(f"clock skew:    {st['clock_skew_s']:+.1f} s against the server{warn}")
    print(f"bundle:        {st['bundle_etag'] or 'none yet'}; mode from bundle: {st['mode_from_bundle'] or '-'}")
    return 0


def retry_failed(args: argparse.Namespace) -> int:
    from kiosk.store.errors import StoreLocked
    from sync import control
    from sync.outbox import Outbox

    cfg = config_from(args)
    try:
        store = open_kiosk_store(cfg)
    except StoreLocked as locked:
        try:  # the running kiosk makes the change through its own writer
            answer = control.send(cfg.data_dir, "retry-failed")
        except control.ControlError as exc:
            print(f"kiosk sync retry-failed: {locked}, and {exc}", file=sys.stderr)
            return 1
        print(f"{answer['requeued']} parked record(s) queued again by the running kiosk (pid {answer['pid']}); it sends them now")
        return 0
    try:
        n = Outbox(store).requeue_failed()
    finally:
        store.close()
    print(f"{n} parked record(s) queued again; they go with the next sync")
    return 0


def parse_since(text: str, tz: ZoneInfo) -> str:
    """A user's time (date, date-time, with or without offset) as UTC ISO for comparison."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r} is not a date or time such as 2026-11-28 or 2026-11-28T07:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    from sync.protocol.clock import utc_iso

    return utc_iso(when)


def sync_log(args: argparse.Namespace) -> int:
    from sync import log as synclog

    cfg = config_from(args)
    tz = ZoneInfo(cfg["kiosk.timezone"])
    if args.limit < 1:
        print("kiosk sync-log: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        since = parse_since(args.since, tz) if args.since else None
    except ValueError as exc:
        print(f"kiosk sync-log: {exc}", file=sys.stderr)
        return 2
    store = open_kiosk_reader(cfg)
    try:
        rows = list(synclog.read(store, since, args.limit))
    finally:
        store.close()
    for a in rows:
        if args.json:
            print(json.dumps(a.as_dict(), ensure_ascii=False))
            continue
        result = "ok" if a.ok else f"ERROR {a.error}"
        print(
            f"{_local(a.at, tz)}  {a.direction:<6} {a.http_status or '---'}  records={a.records:<5} bytes={a.bytes:<8} "
            f"{a.duration_ms:>8.1f} ms  batch={a.batch_id or '-'}  {result}"
        )
    if not rows and not args.json:
        print("(no sync attempts" + (" since then)" if since else " yet)"))
    return 0
