"""`kiosk-central` commands for precise control of key persons: home isolation, alerts, health
monitoring and the community's daily report. Every change is audited (console_audit) under --by."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sync.common.identity import validate_id
from sync.protocol.clock import utc_iso
from sync.server.alerts import alerts, isolation
from sync.server.console.audit import audit
from sync.server.context import ServerContext
from sync.server.settings import local_today

Common = Callable[[argparse.ArgumentParser], None]


def _ctx(args: argparse.Namespace) -> ServerContext:
    from sync.server.cli import open_context

    return open_context(args)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None


def _print(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        print(line(r))
    if not rows:
        print("(none)")


def cmd_isolation_add(args: argparse.Namespace) -> int:
    id_number = ""
    if args.id_number:
        check = validate_id("cn-id", args.id_number, date.today())
        if not check.ok:
            raise ValueError(f"--id-number: {check.errors[0]}")
        id_number = check.number
    ctx = _ctx(args)
    start = _day(args.start, "--start") if args.start else local_today(ctx.settings.timezone)
    end = _day(args.end, "--end") if args.end else start + timedelta(days=args.days - 1)
    with ctx.engine.begin() as conn:
        entry = isolation.place(conn, ctx.data_key, community=args.community, start=start, end=end, reason=args.reason,
                                placed_by=args.by, now_iso=utc_iso(timespec="seconds"), roster_uuid=args.resident or "", id_number=id_number,
                                name=args.name or "", building=args.building or "", unit=args.unit or "", room=args.room or "")
        audit(conn, args.by, "isolation.add", str(entry), f"{args.community} {start}..{end}: {args.reason}")
    print(entry)
    return 0


def cmd_isolation_end(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    with ctx.engine.begin() as conn:
        if not isolation.end(conn, args.entry_id, args.by, args.note or "", utc_iso(timespec="seconds")):
            raise ValueError(f"no isolation {args.entry_id} in force (see kiosk-central isolation list --all)")
        audit(conn, args.by, "isolation.end", str(args.entry_id), args.note or "")
    print(f"isolation {args.entry_id} ended; the next bundle lifts it")
    return 0


def cmd_isolation_list(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    with ctx.engine.connect() as conn:
        rows = isolation.listing(conn, ctx.data_key, args.community, local_today(ctx.settings.timezone), everything=args.all)
    _print(rows, args.json, lambda r: f"{r['id']}  {r['community']}  {r['name_masked']}  {r['id_masked']}  {r['address']}  "
                                      f"{r['start']}..{r['end']}  {r['state']}  {r['reason']}  (by {r['placed_by']})")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    if args.alerts_command in ("ack", "close"):
        with ctx.engine.begin() as conn:
            done = (alerts.acknowledge(conn, args.alert_id, args.by, args.note or "") if args.alerts_command == "ack"
                    else alerts.close(conn, args.alert_id, args.by, args.note))
            if not done:
                held = alerts.get(conn, args.alert_id)
                raise ValueError(f"no alert {args.alert_id!r}" if held is None else f"alert {args.alert_id} is already {held['state']}")
            audit(conn, args.by, f"alert.{'acknowledge' if args.alerts_command == 'ack' else 'close'}", args.alert_id, args.note or "")
        print(f"alert {args.alert_id}: {'acknowledged' if args.alerts_command == 'ack' else 'closed'} by {args.by}")
        return 0
    with ctx.engine.connect() as conn:
        rows = alerts.listing(conn, args.state, args.community)
    _print(rows, args.json, lambda r: f"{r['record_uuid']}  {r['created_at']}  {r['state']:<12} {r['kind']:<22} {r['community']}  "
                                      f"{r['device_id'] or '(server)'}  {r['message']}")
    return 0


def cmd_monitoring(args: argparse.Namespace) -> int:
    """Read from console_key_entries, as the automatic check (monitoring_check.check) and the console
    read it: the projection is brought up to date first, so every record already received counts (the
    records' bodies parsed instead took 37 s at 1M records; docs/benchmarks.md)."""
    from sync.server.alerts import monitoring
    from sync.server.console import alerts as console_alerts
    from sync.server.console import key_entries
    from sync.server.settings import monitoring_periods

    ctx = _ctx(args)
    day = _day(args.date, "--date") if args.date else local_today(ctx.settings.timezone)
    over = day < local_today(ctx.settings.timezone)
    console_alerts.catch_up(ctx.engine)
    with ctx.engine.begin() as conn:
        people = key_entries.monitored(conn, args.community, day, ctx.settings.timezone, monitoring_periods(ctx.settings.monitoring_days))
        raised = monitoring.raise_alerts(conn, args.community, day, people, day_over=over, notify=bool(ctx.settings.alert_webhook_url))
    rows = [m.public() for m in people if args.all or not m.public()["has_reading"]]
    missing = sum(1 for m in people if not m.public()["has_reading"])
    if args.json:
        print(json.dumps({"community": args.community, "date": day.isoformat(), "monitored": len(people), "missing": missing,
                          "day_over": over, "people": rows, "alerts_raised": raised}, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.community} {day}: {len(people)} key person(s) monitored, {missing} without a reading" + ("" if over else " so far"))

    def line(r: dict[str, Any]) -> str:
        got = "fever" if r["fever"] else f"{r['readings'][-1]:.1f}" if r["readings"] else "missing"
        return f"{r['name_masked'] or '-'}  {r['id_masked'] or '-'}  {','.join(r['categories'])}  {r['since']}..{r['until']}  {got}"

    _print(rows, False, line)
    return 0


def cmd_report_daily(args: argparse.Namespace) -> int:
    import sys

    from sync.server.reports import community_report

    ctx = _ctx(args)
    day = _day(args.date, "--date") if args.date else local_today(ctx.settings.timezone)
    with ctx.engine.connect() as conn:
        report = community_report.build(conn, args.community, day, ctx.settings.timezone)
    if args.xlsx:
        sys.stdout.buffer.write(community_report.to_xlsx(report))
    elif args.csv:
        sys.stdout.write(community_report.to_csv(report))
    elif args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{report['community']} {report['date']}: {'零报告 zero report' if report['kind'] == 'zero' else '日报告 daily report'}")
        for why in report["not_zero_because"]:
            print(f"  not zero: {why}")
        print("  " + ", ".join(f"{k} {v}" for k, v in report["totals"].items() if v))
        for cat, people in report["key_people"].items():
            for p in people:
                print(f"  {cat}: {p['name_masked']} {p['id_masked']} ({p['gate']})")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    iso = sub.add_parser("isolation", help="home isolation (居家隔离): stopped at the gates on the way out").add_subparsers(
        dest="isolation_command", required=True)
    p = iso.add_parser("add", help="place a person under home isolation (a roster resident or an ID number)")
    common(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--resident", help="the roster entry's uuid (kiosk-central roster list)")
    who.add_argument("--id-number", help="the person's ID number (not on the roster)")
    p.add_argument("--name", help="the person's name (default: the roster's)")
    for f in ("building", "unit", "room"):
        p.add_argument(f"--{f}", help="address (default: the roster's)")
    p.add_argument("--start", help="first day YYYY-MM-DD (default today)")
    period = p.add_mutually_exclusive_group()
    period.add_argument("--end", help="last day YYYY-MM-DD")
    period.add_argument("--days", type=int, default=14, help="days from the start (default 14)")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", required=True, help="who places the person (audited)")
    p.add_argument("--community", default="default")
    p.set_defaults(func=cmd_isolation_add)
    p = iso.add_parser("end", help="end an isolation early (the next bundle lifts it)")
    common(p)
    p.add_argument("entry_id", type=int)
    p.add_argument("--by", required=True)
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_isolation_end)
    p = iso.add_parser("list", help="who is under home isolation (masked)")
    common(p)
    p.add_argument("--community")
    p.add_argument("--all", action="store_true", help="also ended and past entries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_isolation_list)

    p = sub.add_parser("alerts", help="alerts from the gates and the server: list, ack ID, close ID")
    common(p)
    p.add_argument("--state", choices=alerts.STATES)
    p.add_argument("--community")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_alerts, alerts_command=None)
    acts = p.add_subparsers(dest="alerts_command")
    for name, text in (("ack", "acknowledge an alert"), ("close", "close an alert with a note")):
        a = acts.add_parser(name, help=text)
        common(a)
        a.add_argument("alert_id")
        a.add_argument("--by", required=True)
        a.add_argument("--note", required=name == "close", default="")
        a.set_defaults(func=cmd_alerts)

    p = sub.add_parser("monitoring", help="key persons without a temperature reading on a day (masked); raises the alerts")
    common(p)
    p.add_argument("--date", help="YYYY-MM-DD (default today; a missing day is an alert once the day is over)")
    p.add_argument("--community", default="default")
    p.add_argument("--all", action="store_true", help="every monitored key person, with or without a reading")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_monitoring)

    rep = sub.add_parser("report", help="the community's report up the chain").add_subparsers(dest="report_command", required=True)
    p = rep.add_parser("daily", help="one community's daily (or zero) report for a day, from its gates' reports")
    common(p)
    p.add_argument("--community", default="default")
    p.add_argument("--date", help="YYYY-MM-DD (default today)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    fmt.add_argument("--xlsx", action="store_true", help="the XLSX file on stdout (redirect it)")
    p.set_defaults(func=cmd_report_daily)
