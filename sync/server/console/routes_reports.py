"""Daily report (日报告 / 零报告) per community and date, per gate and combined. Submitting freezes the
figures with who and when; the frozen copy is what the page, CSV and XLSX show from then on."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from openpyxl import Workbook
from sqlalchemy import Connection, insert, select
from starlette.concurrency import run_in_threadpool

from sync.protocol.clock import utc_iso
from sync.server.console import alerts, figures
from sync.server.console.audit import audit
from sync.server.console.auth import Account
from sync.server.console.i18n import N_
from sync.server.console.routes_keypersons import CATEGORY_LABELS, category_counts
from sync.server.console.scope import visible_communities, visible_gates
from sync.server.console.web import Checked, Editor, Forbidden, Invalid, Signed, ctx_of, engine_of, render
from sync.server.reports.tables import daily_reports
from sync.server.settings import ServerSettings

router = APIRouter()
COLUMNS = ("entries", "exits", "denied", "review", "red_codes", "fevers", "alerts", "alerts_open")
DateQ = Annotated[str, Query(pattern=r"^(|\d{4}-\d{2}-\d{2})$")]


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value) if value else figures.today()
    except ValueError:
        raise Invalid(N_("The date must be YYYY-MM-DD.")) from None


def live_report(conn: Connection, account: Account, community_id: str, day: date, settings: ServerSettings) -> dict[str, Any]:
    gates = visible_gates(conn, account, community_id)
    days = figures.count_day(conn, [g.device_id for g in gates], day)
    total = figures.combine(days)
    return {"kind": "daily" if total.abnormal else "zero", "date": day.isoformat(), "community_id": community_id,
            "gates": [{"gate": g.label, "device_id": g.device_id, **days[g.device_id].as_row()} for g in gates], "total": total.as_row(),
            "key_persons": category_counts(conn, community_id, day, settings)}


def load_report(conn: Connection, account: Account, community_id: str, day: date, settings: ServerSettings) -> tuple[dict[str, Any], Any]:
    if community_id not in {c.community_id for c in visible_communities(conn, account)}:
        raise Forbidden(N_("Unknown community."))
    frozen = conn.execute(select(daily_reports).where(daily_reports.c.community_id == community_id, daily_reports.c.date == day.isoformat())).first()
    if frozen is not None:
        return json.loads(frozen.body), frozen
    return live_report(conn, account, community_id, day, settings), None


@router.get("/console/reports")
async def report_page(request: Request, session: Signed, community: Annotated[str, Query(max_length=40)] = "", day: DateQ = "") -> Response:
    when = _day(day)

    def load() -> dict[str, Any]:
        alerts.refresh(engine_of(request))
        with engine_of(request).connect() as conn:
            comms = visible_communities(conn, session.account)
            chosen = community or (comms[0].community_id if comms else "")
            report, frozen = load_report(conn, session.account, chosen, when, ctx_of(request).settings) if chosen else (None, None)
            history = conn.execute(select(daily_reports).where(daily_reports.c.community_id == chosen)
                                   .order_by(daily_reports.c.date.desc()).limit(30)).all() if chosen else []
        return {"communities": comms, "community": chosen, "report": report, "frozen": frozen, "history": history}

    return render(request, "report.html", session, day=when.isoformat(), columns=COLUMNS, kp_labels=CATEGORY_LABELS, **await run_in_threadpool(load))


@router.post("/console/reports/submit")
async def submit(request: Request, session: Editor, checked: Checked, community: Annotated[str, Form(max_length=40)],
                 day: Annotated[str, Form(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> Response:
    when = _day(day)

    def do() -> None:
        alerts.catch_up(engine_of(request))  # frozen figures must count every record already received
        with engine_of(request).begin() as conn:
            report, frozen = load_report(conn, session.account, community, when, ctx_of(request).settings)
            if frozen is not None:
                raise Invalid(N_("This day's report was submitted already; it cannot change."))
            conn.execute(insert(daily_reports).values(community_id=community, date=when.isoformat(), kind=report["kind"],
                                                      body=json.dumps(report, ensure_ascii=False), submitted_by=session.account.name,
                                                      submitted_at=utc_iso(timespec="seconds")))
            audit(conn, session.account.name, "report.submit", f"{community} {when.isoformat()}", report["kind"])

    await run_in_threadpool(do)
    return RedirectResponse(f"/console/reports?community={community}&day={when.isoformat()}", status_code=303)


def _rows(report: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["gate", *COLUMNS]]
    rows += [[g["gate"], *(g[c] for c in COLUMNS)] for g in report["gates"]]
    rows.append(["total", *(report["total"][c] for c in COLUMNS)])
    rows += [[f"key persons: {cat}", n] for cat, n in report.get("key_persons", {}).items()]  # reports frozen before had none
    return rows


@router.get("/console/reports/download")
async def download(request: Request, session: Signed, community: Annotated[str, Query(max_length=40)], day: DateQ,
                   fmt: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv") -> Response:
    when = _day(day)

    def load() -> dict[str, Any]:
        with engine_of(request).connect() as conn:
            return load_report(conn, session.account, community, when, ctx_of(request).settings)[0]

    report = await run_in_threadpool(load)
    name = f"report-{community}-{when.isoformat()}-{report['kind']}"
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows(_rows(report))
        return Response(buf.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = when.isoformat()
    for row in _rows(report):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
