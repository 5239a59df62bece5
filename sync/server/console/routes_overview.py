"""Overview: gates online/offline, today's entries and exits per hour, occupancy, and the live alert feed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sync.protocol.clock import utc_now
from sync.server.console import alerts, figures
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.routes_keypersons import CATEGORY_LABELS, category_counts
from sync.server.console.scope import Gate, visible_communities, visible_gates
from sync.server.console.svg import hourly_chart
from sync.server.console.web import Checked, Editor, Forbidden, NotFound, Signed, ctx_of, engine_of, gettext_for, render

router = APIRouter()
ONLINE_WITHIN = timedelta(minutes=10)  # a kiosk syncs every few seconds when it can; silence this long is offline


def is_online(gate: Gate, now: datetime) -> bool:
    if not gate.last_seen_at or gate.disabled:
        return False
    return now - datetime.fromisoformat(gate.last_seen_at) <= ONLINE_WITHIN


def overview_data(request: Request, session: Any) -> dict[str, Any]:
    engine, engine_settings = engine_of(request), ctx_of(request).settings
    alerts.refresh(engine)
    now, day = utc_now(), figures.today()
    with engine.connect() as conn:
        gates = visible_gates(conn, session.account)
        comms = {c.community_id: c for c in visible_communities(conn, session.account)}
        days = figures.count_day(conn, [g.device_id for g in gates], day)
        feed = alerts.feed(conn, [g.device_id for g in gates])
        key_persons = [(c, category_counts(conn, c.community_id, day, engine_settings)) for c in comms.values()]
    return {"gates": gates, "communities": comms, "days": days, "total": figures.combine(days), "feed": feed, "day": day,
            "key_persons": key_persons, "kp_labels": CATEGORY_LABELS,
            "online": {g.device_id: is_online(g, now) for g in gates}, "labels": {g.device_id: g.label for g in gates}}


@router.get("/console/")
async def overview(request: Request, session: Signed) -> Response:
    data = await run_in_threadpool(overview_data, request, session)
    _ = gettext_for(request)
    total = data["total"]
    chart = hourly_chart(total.hourly_in, total.hourly_out, _("Entries and exits per hour, today"), _("entries"), _("exits"))
    return render(request, "overview.html", session, chart=chart, **data)


@router.get("/console/alerts/feed")
async def alert_feed(request: Request, session: Signed) -> Response:
    """The feed as an HTML fragment; the page's script polls it every second and swaps it in when it changed."""

    def load() -> dict[str, Any]:
        engine = engine_of(request)
        alerts.refresh(engine)
        with engine.connect() as conn:
            gates = visible_gates(conn, session.account)
            return {"feed": alerts.feed(conn, [g.device_id for g in gates]), "labels": {g.device_id: g.label for g in gates}}

    return render(request, "alert_feed.html", session, **await run_in_threadpool(load))


@router.post("/console/alerts/{record_uuid}/ack")
async def acknowledge(request: Request, record_uuid: str, session: Editor, checked: Checked,
                      note: Annotated[str, Form(max_length=500)] = "") -> Response:
    _ = gettext_for(request)
    if not note.strip():
        raise Forbidden(_("Say what was done: an acknowledgement needs a note."))

    def ack() -> None:
        with engine_of(request).begin() as conn:
            device = alerts.device_of(conn, record_uuid)
            if device is None:
                raise NotFound()
            if device not in {g.device_id for g in visible_gates(conn, session.account)}:
                raise Forbidden(N_("This gate is not in your communities."))
            if alerts.acknowledge(conn, record_uuid, session.account.name, note.strip()):
                audit(conn, session.account.name, "alert.acknowledge", record_uuid, note.strip())

    await run_in_threadpool(ack)
    return RedirectResponse("/console/#alerts", status_code=303)
