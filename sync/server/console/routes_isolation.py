"""Home isolation (居家隔离): the masked list of the account's communities, placing a person (a roster
resident or an ID number) and ending an entry early with a note. Staff and admins only; every change is
audited in the same transaction. The list and its bundle part are sync/server/alerts/isolation.py's (as the CLI's)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from sync.common.identity import validate_id
from sync.protocol.clock import utc_iso
from sync.server.alerts import isolation
from sync.server.alerts.tables import home_isolation
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.scope import visible_communities
from sync.server.console.web import Checked, Editor, Forbidden, Invalid, ctx_of, render
from sync.server.lists.tables import roster
from sync.server.settings import local_today

router = APIRouter()
Text40 = Annotated[str, Form(max_length=40)]


def page_data(request: Request, session: Any) -> dict[str, Any]:
    ctx = ctx_of(request)
    today = local_today(ctx.settings.timezone)
    with ctx.engine.connect() as conn:
        comms = visible_communities(conn, session.account)
        entries = [e for c in comms for e in isolation.listing(conn, ctx.data_key, c.community_id, today)]
        residents = [{"uuid": r.uuid, "label": "-".join(x for x in (r.name, r.building, r.unit, r.room) if x)}
                     for r in conn.execute(select(roster.c.uuid, roster.c.name, roster.c.building, roster.c.unit, roster.c.room)
                                           .order_by(roster.c.building, roster.c.unit, roster.c.room, roster.c.name).limit(2000))]
    return {"communities": comms, "entries": entries, "residents": residents, "today": today.isoformat()}


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(what) from None


@router.get("/console/isolation")
async def isolation_page(request: Request, session: Editor) -> Response:
    return render(request, "isolation.html", session, notice="", **await run_in_threadpool(page_data, request, session))


@router.post("/console/isolation/add")
async def add(request: Request, session: Editor, checked: Checked, community_id: Text40,
              start: Annotated[str, Form(max_length=10)], end: Annotated[str, Form(max_length=10)],
              reason: Annotated[str, Form(max_length=200)], resident: Annotated[str, Form(max_length=40)] = "",
              id_number: Annotated[str, Form(max_length=40)] = "", name: Annotated[str, Form(max_length=40)] = "",
              building: Text40 = "", unit: Text40 = "", room: Text40 = "") -> Response:
    first, last = _day(start, N_("The start date is not a date.")), _day(end, N_("The end date is not a date."))
    if last < first:
        raise Invalid(N_("The end date is before the start date."))
    if not reason.strip():
        raise Invalid(N_("Say why the person is placed under home isolation."))
    if bool(resident) == bool(id_number.strip()):
        raise Invalid(N_("Choose a resident from the roster or enter an ID number (one of the two)."))
    number = ""
    if id_number.strip():
        check = validate_id("cn-id", id_number, date.today())
        if not check.ok:
            raise Invalid(N_("The ID number is not valid."))
        number = check.number
    ctx = ctx_of(request)

    def write() -> int:
        with ctx.engine.begin() as conn:
            if community_id not in {c.community_id for c in visible_communities(conn, session.account)}:
                raise Forbidden(N_("Unknown community."))
            try:
                entry = isolation.place(conn, ctx.data_key, community=community_id, start=first, end=last, reason=reason,
                                        placed_by=session.account.name, now_iso=utc_iso(timespec="seconds"), roster_uuid=resident, id_number=number,
                                        name=name, building=building, unit=unit, room=room)
            except isolation.IsolationError:
                raise Invalid(N_("The resident is not on the roster.")) from None
            audit(conn, session.account.name, "isolation.add", str(entry), f"{community_id} {first}..{last}: {reason.strip()}")
            return entry

    await run_in_threadpool(write)
    return await isolation_page(request, session)


@router.post("/console/isolation/{entry_id}/end")
async def end(request: Request, entry_id: int, session: Editor, checked: Checked, note: Annotated[str, Form(max_length=200)]) -> Response:
    if not note.strip():
        raise Invalid(N_("Say why the isolation ends early."))
    ctx = ctx_of(request)

    def write() -> None:
        with ctx.engine.begin() as conn:
            row = conn.execute(select(home_isolation.c.community).where(home_isolation.c.id == entry_id)).first()
            if row is None or row.community not in {c.community_id for c in visible_communities(conn, session.account)}:
                raise Forbidden(N_("Unknown isolation entry."))
            if not isolation.end(conn, entry_id, session.account.name, note, utc_iso(timespec="seconds")):
                raise Invalid(N_("This isolation has already ended."))
            audit(conn, session.account.name, "isolation.end", str(entry_id), note.strip())

    await run_in_threadpool(write)
    return await isolation_page(request, session)
