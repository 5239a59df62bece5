"""`kiosk-central` listings an admin reads: sync-log, records count, reports, device list.

Each names gates by label and short device id, shows local times (--timezone, env
KIOSK_CENTRAL_TIMEZONE, default Asia/Shanghai), leaves empty fields empty and offers --json
with the same fields (sync/server/records/listing.py)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from sync.protocol.clock import utc_iso
from sync.server.context import ServerContext
from sync.server.records.listing import (
    OUTCOMES,
    emit,
    gate_names,
    lag,
    local,
    local_iso,
    match_gate,
    outcome,
    seconds_between,
    short_id,
)
from sync.server.records.tables import records, sync_log

TIMES = ("at", "last_contact", "newest_record", "received_at", "enrolled_at")


def _open(args: argparse.Namespace) -> tuple[ServerContext, ZoneInfo]:
    from sync.server.cli import open_context

    ctx = open_context(args, timezone=getattr(args, "timezone", None))
    return ctx, ZoneInfo(ctx.settings.timezone)


def _show(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[tuple[str, str]], tz: ZoneInfo) -> None:
    """Times local in both forms: 'YYYY-MM-DD HH:MM:SS' as text, ISO with offset in JSON."""
    text = [{k: (local(v, tz) if k in TIMES else v) for k, v in r.items()} for r in rows]
    js = [{k: (local_iso(v, tz) if k in TIMES else v) for k, v in r.items()} for r in rows]
    emit(text, columns, args.json, js)


def _since(text: str | None, tz: ZoneInfo, flag: str) -> str | None:
    """A local date or date-time (or one with an offset) as UTC ISO, comparable with stored times."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not a date or time such as 2026-11-28 or 2026-11-28T07:00") from None
    return (when if when.tzinfo else when.replace(tzinfo=tz)).astimezone(ZoneInfo("UTC")).isoformat()


def _lags(conn: Any) -> dict[str, dict[str, Any]]:
    """Per device: its newest stored record's creation time and how long it took to arrive."""
    newest = select(records.c.device_id, func.max(records.c.seq).label("seq")).group_by(records.c.device_id).subquery()
    q = select(records.c.device_id, records.c.created_at, records.c.received_at).join(
        newest, and_(records.c.device_id == newest.c.device_id, records.c.seq == newest.c.seq))
    return {r.device_id: {"newest_record": r.created_at, "upload_lag_s": seconds_between(r.created_at, r.received_at)}
            for r in conn.execute(q)}


def cmd_sync_log(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError("--limit must be at least 1")
    ctx, tz = _open(args)
    since, until = _since(args.since, tz, "--since"), _since(args.until, tz, "--until")
    rows: list[dict[str, Any]] = []
    with ctx.engine.connect() as conn:
        names = gate_names(conn)
        q = select(sync_log).order_by(sync_log.c.id.desc())
        if since:
            q = q.where(sync_log.c.at >= since)
        if until:
            q = q.where(sync_log.c.at < until)
        for r in conn.execution_options(yield_per=500).execute(q):
            label = names.get(r.device_id or "", "")
            if args.gate and not match_gate(r.device_id, label, args.gate):
                continue
            how = outcome(r.endpoint, r.status, r.error_code)
            if args.outcome and how != args.outcome:
                continue
            rows.append({"at": r.at, "gate": label, "device": short_id(r.device_id), "endpoint": r.endpoint, "status": r.status,
                         "outcome": how, "records": r.records, "stored": r.stored, "bytes": r.bytes,
                         "duration_ms": r.duration_ms, "error_code": r.error_code, "message": r.message, "batch_id": r.batch_id,
                         "device_id": r.device_id})
            if len(rows) >= args.limit:
                break
    _show(args, rows, [("at", "time"), ("gate", "gate"), ("device", "device"), ("endpoint", "endpoint"), ("status", "status"),
                       ("outcome", "outcome"), ("records", "records"), ("stored", "stored"), ("bytes", "bytes"),
                       ("duration_ms", "ms"), ("error_code", "error"), ("message", "message")]
          + ([("device_id", "device id"), ("batch_id", "batch")] if args.json else []), tz)
    return 0


def _gate_rows(args: argparse.Namespace) -> tuple[list[dict[str, Any]], ZoneInfo]:
    from sync.server.records.admin_views import device_views

    ctx, tz = _open(args)
    views = device_views(ctx.engine)
    with ctx.engine.connect() as conn:
        lags = _lags(conn)
    now = utc_iso()
    rows = []
    for d in views:
        if args.gate and not match_gate(d["device_id"], d["label"] or "", args.gate):
            continue
        got = lags.get(d["device_id"], {})
        rows.append({**d, "gate": d["label"] or "", "device": short_id(d["device_id"]), "last_contact": d["last_seen_at"],
                     "silent_s": seconds_between(d["last_seen_at"], now), "newest_record": got.get("newest_record"),
                     "upload_lag_s": got.get("upload_lag_s"), "upload_lag": lag(got.get("upload_lag_s")),
                     "silent": lag(seconds_between(d["last_seen_at"], now))})
    return rows, tz


def cmd_records_count(args: argparse.Namespace) -> int:
    rows, tz = _gate_rows(args)
    if args.device:
        rows = [r for r in rows if r["device_id"] == args.device]
        if not args.json:  # one gate's count alone, for scripts
            print(rows[0]["records"] if rows else 0)
            return 0
    columns = [("gate", "gate"), ("device", "device"), ("records", "records"), ("backlog", "backlog"),
               ("last_contact", "last contact"), ("silent", "since"), ("newest_record", "newest record"),
               ("upload_lag", "upload lag")]
    if args.json:
        _show(args, rows, [*columns, ("device_id", "device id"), ("upload_lag_s", "upload lag s")], tz)
        return 0
    _show(args, rows, columns, tz)
    print(f"total  {sum(r['records'] for r in rows)}")
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    rows, tz = _gate_rows(args)
    for r in rows:
        r["state"] = "revoked" if r["disabled"] else "active"
        r["gaps_text"] = ", ".join(f"{g['first']}-{g['last']}" for g in r["gaps"])
    columns = [("gate", "gate"), ("device", "device"), ("state", "state"), ("last_contact", "last contact"), ("silent", "since"),
               ("upload_lag", "upload lag"), ("records", "records"), ("acked_through_seq", "acked"), ("backlog", "backlog"),
               ("chain_status", "chain"), ("gaps_text", "gaps"), ("chain_problem", "problem"), ("doctor", "doctor"),
               ("doctor_at", "doctor at")]
    if args.json:
        _show(args, rows, [*columns, ("device_id", "device id"), ("disabled", "disabled"), ("enrolled_at", "enrolled"), ("upload_lag_s", "upload lag s"),
                           ("gaps", "gap ranges"), ("verified_through_seq", "verified")], tz)
        return 0
    _show(args, rows, columns, tz)
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    from datetime import date

    from sync.server.reports.gate_reports import report_list

    if args.date:
        date.fromisoformat(args.date)  # ValueError -> exit 2 with the reason
    ctx, tz = _open(args)
    with ctx.engine.connect() as conn:
        names = gate_names(conn)
    rows = []
    for r in report_list(ctx.engine, args.date):
        label = names.get(r["device_id"], "")
        if args.gate and not match_gate(r["device_id"], label, args.gate):
            continue
        rows.append({"date": r["date"], "kind": r["kind"], "gate": label, "device": short_id(r["device_id"]),
                     "received_at": r["received_at"], "report_id": r["report_id"]})
    _show(args, rows, [("date", "day"), ("kind", "kind"), ("gate", "gate"), ("device", "device"),
                       ("received_at", "received"), ("report_id", "report")], tz)
    return 0


def add_listing_options(p: argparse.ArgumentParser, gate: bool = True) -> None:
    p.add_argument("--json", action="store_true", help="the same fields as JSON (times local ISO 8601 with offset)")
    p.add_argument("--timezone", help="show times in this zone (env KIOSK_CENTRAL_TIMEZONE; default Asia/Shanghai)")
    if gate:
        p.add_argument("--gate", help="only this gate: its label or the start of its device id")


def add_sync_log_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", dest="gate", help=argparse.SUPPRESS)  # the old name of --gate
    p.add_argument("--outcome", choices=OUTCOMES, help="only attempts that ended so")
    p.add_argument("--since", help="from this local date or time (e.g. 2026-11-28 or 2026-11-28T07:00)")
    p.add_argument("--until", help="before this local date or time")
    p.add_argument("--limit", type=int, default=100)
