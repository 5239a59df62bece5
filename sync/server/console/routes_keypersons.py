"""Key persons (重点人群): who is monitored on a date in the account's communities, by category, with that
day's monitoring status (a temperature reading present, or missing). Read-only for every role; masked.
The people and their readings are sync/server/alerts/monitoring.py's (as `kiosk-central monitoring`), read from
the console's copy of the monitoring facts (key_entries.py) rather than from the record bodies; the page
only reads — alerts for missed readings are raised by that command, not by opening a page."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.common.key_persons import KeyCategory
from sync.server.console import alerts, key_entries
from sync.server.console.i18n import N_
from sync.server.console.scope import visible_communities
from sync.server.console.web import Invalid, Signed, ctx_of, render
from sync.server.settings import ServerSettings, local_today, monitoring_periods

router = APIRouter()
CATEGORY_LABELS = {
    KeyCategory.RISK_AREA.value: N_("from a risk area"),
    KeyCategory.INBOUND.value: N_("inbound from abroad"),
    KeyCategory.COLD_CHAIN.value: N_("cold chain"),
    KeyCategory.RELEASED.value: N_("released from observation"),
    KeyCategory.HOME_ISOLATION.value: N_("home isolation"),
}


def category_counts(conn: Any, community_id: str, day: date, settings: ServerSettings) -> dict[str, int]:
    """How many key persons of each category the community monitors on `day` (a person may be in several),
    for the overview and the daily report; every category listed, zeros included."""
    counts = key_entries.category_counts(conn, community_id, day, settings.timezone, monitoring_periods(settings.monitoring_days))
    return {k: counts[k] for k in CATEGORY_LABELS}


def page_data(request: Request, session: Any, day: date) -> dict[str, Any]:
    ctx = ctx_of(request)
    periods = monitoring_periods(ctx.settings.monitoring_days)
    out = []
    alerts.refresh(ctx.engine)  # records received since the last poll
    with ctx.engine.connect() as conn:
        for c in visible_communities(conn, session.account):
            people = [m.public() for m in key_entries.monitored(conn, c.community_id, day, ctx.settings.timezone, periods)]
            counts = Counter(cat for p in people for cat in p["categories"])
            out.append({"community": c, "people": people, "missing": sum(1 for p in people if not p["has_reading"]),
                        "by_category": [(k, counts[k]) for k in CATEGORY_LABELS if counts[k]]})
    return {"communities": out, "day": day.isoformat(), "labels": CATEGORY_LABELS,
            "day_over": day < local_today(ctx.settings.timezone)}


@router.get("/console/keypersons")
async def keypersons_page(request: Request, session: Signed, on: str = "") -> Response:
    ctx = ctx_of(request)
    try:
        day = date.fromisoformat(on) if on else local_today(ctx.settings.timezone)
    except ValueError:
        raise Invalid(N_("The date is not a date (YYYY-MM-DD).")) from None
    return render(request, "keypersons.html", session, **await run_in_threadpool(page_data, request, session, day))
