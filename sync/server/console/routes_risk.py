"""Risk areas (风险地区): the list every kiosk receives in its signed bundle, shown with each region's
GB/T 2260 name; staff and admins set a region's level (or take it off the list). The table and its rules
are sync/server/lists/risk_areas.py's, as for `kiosk-central risk-area set`; every change is audited in the same
transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.protocol.clock import utc_iso
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.web import Checked, Editor, Invalid, ctx_of, render
from sync.server.lists import risk_areas
from sync.server.settings import local_today

router = APIRouter()
Short = Annotated[str, Form(max_length=10)]

PROBLEMS = {
    "code-format": N_("A region code has 6 digits (GB/T 2260)."),
    "code-unknown": N_("This region code is not in GB/T 2260."),
    "level": N_("Choose a level: low, medium or high."),
    "since": N_("The date is not a date."),
}
LEVEL_NAMES = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}


def page_data(request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.engine.connect() as conn:
        areas = risk_areas.listing(conn)
    return {"areas": areas, "levels": LEVEL_NAMES, "today": local_today(ctx.settings.timezone).isoformat()}


@router.get("/console/risk-areas")
async def risk_page(request: Request, session: Editor) -> Response:
    return render(request, "risk_areas.html", session, **await run_in_threadpool(page_data, request))


async def _set(request: Request, session: Any, region_code: str, level: str, since: str) -> Response:
    try:
        code, level, since = risk_areas.check(region_code, level, since)
    except risk_areas.RiskAreaError as exc:
        raise Invalid(PROBLEMS[exc.problem]) from None
    ctx = ctx_of(request)

    def write() -> None:
        with ctx.engine.begin() as conn:
            risk_areas.set_level(conn, code, level, since, utc_iso(timespec="seconds"))
            audit(conn, session.account.name, "risk_area.set", code, f"{level} since {since}" if level != "none" else "removed")

    await run_in_threadpool(write)
    return await risk_page(request, session)


@router.post("/console/risk-areas/set")
async def set_area(request: Request, session: Editor, checked: Checked, region_code: Short, level: Short, since: Short) -> Response:
    return await _set(request, session, region_code, level, since)


@router.post("/console/risk-areas/{region_code}/remove")
async def remove_area(request: Request, region_code: str, session: Editor, checked: Checked) -> Response:
    return await _set(request, session, region_code, "none", "2000-01-01")
