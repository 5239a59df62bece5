"""Close contacts (密接/次密接): the look-up of `kiosk-central contacts` (sync/server/contacts/tracing.py) as a form.
Staff and admins only (as the command); staff see passes at their own communities' gates; the answer is
masked, and an admin may ask for the full one ("reveal"). Each look-up is audited by `audited_lookup` in
the transaction that reads it (contacts-lookup / contacts-reveal). A POST with CSRF: it reads personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.common.identity import validate_id
from sync.common.masking import mask_id
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.scope import visible_gates
from sync.server.console.web import Checked, Editor, Forbidden, Invalid, ctx_of, render
from sync.server.contacts.cli import MAX_DAYS, MAX_WINDOW_MIN
from sync.server.contacts.tracing import ContactQuery, Keys, audited_lookup
from sync.server.settings import local_today

router = APIRouter()


def _form(request: Request, **values: Any) -> dict[str, Any]:
    today = local_today(ctx_of(request).settings.timezone)
    base = {"id_number": "", "start": (today - dt.timedelta(days=14)).isoformat(), "end": today.isoformat(), "window": 15, "depth": 1}
    return base | values


def build_query(id_number: str, start: str, end: str, window: int, depth: int, full: bool, tz: str) -> ContactQuery:
    check = validate_id("cn-id", id_number, dt.date.today())
    if not check.ok:
        raise Invalid(N_("The ID number is not valid."))
    if not 1 <= window <= MAX_WINDOW_MIN:
        raise Invalid(N_("The window must be 1 to 240 minutes."))
    if depth not in (1, 2):
        raise Invalid(N_("The depth is 1 (close contacts) or 2 (also secondary contacts)."))
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        raise Invalid(N_("The date is not a date (YYYY-MM-DD).")) from None
    if last < first:
        raise Invalid(N_("The end date is before the start date."))
    if (last - first).days >= MAX_DAYS:
        raise Invalid(N_("The period is longer than 60 days."))
    zone = ZoneInfo(tz)
    lo = dt.datetime.combine(first, dt.time(), zone)
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone) - dt.timedelta(milliseconds=1)
    return ContactQuery(check.number, int(lo.timestamp() * 1000), int(hi.timestamp() * 1000), window * 60_000, depth, full)


def contacts_csv(result: dict[str, Any], labels: dict[str, str]) -> str:
    """The look-up's answer as a table, one row per close-contact overlap and per secondary contact; names and
    ID numbers exactly as the answer holds them (masked unless an admin asked for the full one)."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["kind", "name", "id_number", "gate", "contact_at", "person_at", "minutes_apart", "passes_near", "first_at", "last_at"])
    for c in result["close"]:
        for o in c["overlaps"]:
            out.writerow(["close", c.get("name") or "", c.get("id_number") or "", labels.get(o["gate"], o["gate"]), o["contact_at"],
                          o["person_at"], o["minutes_apart"], "", "", ""])
    for c in result["secondary"]:
        out.writerow(["secondary", c.get("name") or "", c.get("id_number") or "", ";".join(labels.get(g, g) for g in c.get("gates", [])),
                      "", "", "", c["passes_near"], c["first_at"], c["last_at"]])
    return buf.getvalue()


@router.get("/console/contacts")
async def contacts_page(request: Request, session: Editor) -> Response:
    return render(request, "contacts.html", session, form=_form(request), result=None, labels={})


@router.post("/console/contacts")
async def look_up(request: Request, session: Editor, checked: Checked, id_number: Annotated[str, Form(max_length=40)],
                  start: Annotated[str, Form(max_length=10)], end: Annotated[str, Form(max_length=10)],
                  window: Annotated[int, Form()] = 15, depth: Annotated[int, Form()] = 1, full: Annotated[str, Form(max_length=1)] = "",
                  export: Annotated[str, Form(pattern="^(|csv|csv-full)$")] = "") -> Response:
    full = "1" if full or export == "csv-full" else ""
    if full and not session.account.is_admin:
        raise Forbidden(N_("Only an admin may do this."))
    ctx = ctx_of(request)
    q = build_query(id_number, start, end, window, depth, bool(full), ctx.settings.timezone)

    def run() -> tuple[dict[str, Any], dict[str, str]]:
        with ctx.engine.begin() as conn:
            gates = visible_gates(conn, session.account)
            scoped = q if session.account.is_admin else replace(q, gates=frozenset(g.device_id for g in gates))
            result = audited_lookup(conn, Keys(ctx.lookup_master, ctx.identity_private, ctx.data_key), scoped, session.account.name)
            if export:  # the file leaves the console: who took it, masked or full, is on record too
                audit(conn, session.account.name, "contacts.export", mask_id(q.id_number), "csv full" if full else "csv masked")
        return result, {g.device_id: g.label for g in gates}

    result, labels = await run_in_threadpool(run)
    if export:
        name = f"contacts-{start}-{end}{'-full' if full else ''}.csv"
        return Response(contacts_csv(result, labels).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
    form = _form(request, id_number=id_number if session.account.is_admin else "", start=start, end=end, window=window, depth=depth)
    return render(request, "contacts.html", session, form=form, result=result, labels=labels)
