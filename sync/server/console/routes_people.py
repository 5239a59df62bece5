"""People: the resident roster (CSV import all-or-nothing with per-row errors, masked list, audited reveal),
and the lockdown switch per community. Every change moves the bundle on, so kiosks fetch it at their next pull.

Extension points (issue 12): key groups, home isolation and risk areas get their own route modules beside
this one, with the same shape (masked list, validated form, audited change, bundles.touch).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import func, select, update
from starlette.concurrency import run_in_threadpool

from sync.common.key_persons import KeyGroup
from sync.common.masking import mask_id, mask_phone
from sync.protocol.clock import utc_iso
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.scope import visible_communities, visible_gates
from sync.server.console.tables import communities
from sync.server.console.web import (
    Admin,
    Checked,
    Editor,
    Forbidden,
    Invalid,
    NotFound,
    ctx_of,
    engine_of,
    gettext_for,
    render,
)
from sync.server.lists import bundles
from sync.server.lists.tables import roster
from sync.server.records.tables import sync_log

router = APIRouter()
# Key-group flags a resident may carry (set by routes_keygroups.py), as the People page names them.
GROUP_NAMES = {
    KeyGroup.INBOUND.value: N_("inbound"),
    KeyGroup.COLD_CHAIN.value: N_("cold chain"),
    KeyGroup.RELEASED.value: N_("released or recovered"),
    KeyGroup.RISK_AREA_14D.value: N_("risk area within 14 days"),
}
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000


def parse_roster_csv(data: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """(people, problems): every row checked; the caller writes nothing unless problems is empty."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [f"the file is not UTF-8 text (byte {exc.start})"]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if "name" not in (reader.fieldnames or []):
        return [], [f"the header row must name the columns {', '.join(bundles.ROSTER_FIELDS)} (missing: name)"]
    unknown = [f for f in reader.fieldnames or [] if f not in (*bundles.ROSTER_FIELDS, "uuid")]
    if unknown:
        return [], [f"unknown column {unknown[0]!r}; the columns are {', '.join(bundles.ROSTER_FIELDS)}[,uuid]"]
    people, problems = [], []
    for row in reader:
        if reader.line_num > MAX_ROWS + 1:
            return [], [f"more than {MAX_ROWS} rows: split the file"]
        try:
            people.append(bundles.clean_person({k: v or "" for k, v in row.items() if k}, f"line {reader.line_num}: ") | {"uuid": (row.get("uuid") or "").strip()})
        except ValueError as exc:
            problems.append(str(exc))
    if not people and not problems:
        problems.append("the file has no rows")
    return people, problems


def bundle_holders(conn: Any, device_ids: list[str]) -> dict[str, bool]:
    """Which gates fetched the bundle (200, or 304 = unchanged) since it last changed."""
    changed = bundles.get_state(conn, "bundle_changed_at", bundles.NEVER)
    if not device_ids:
        return {}
    fetched = dict(conn.execute(
        select(sync_log.c.device_id, func.max(sync_log.c.at)).where(
            sync_log.c.endpoint == "bundle", sync_log.c.status.in_((200, 304)), sync_log.c.device_id.in_(device_ids)
        ).group_by(sync_log.c.device_id)
    ).all())
    return {d: bool(fetched.get(d)) and str(fetched[d]) >= changed for d in device_ids}


def page_data(request: Request, session: Any) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.engine.connect() as conn:
        comms = visible_communities(conn, session.account)
        gates = visible_gates(conn, session.account)
        people = [
            {"uuid": r.uuid, "name": r.name, "id_masked": mask_id(bundles.unseal(ctx.data_key, r.id_number)),
             "phone_masked": mask_phone(bundles.unseal(ctx.data_key, r.phone)), "address": "-".join(x for x in (r.building, r.unit, r.room) if x),
             "key_groups": json.loads(r.key_groups or "[]")}
            for r in conn.execute(select(roster).order_by(roster.c.building, roster.c.unit, roster.c.room, roster.c.name).limit(500))
        ] if session.account.can_edit else []
        count = conn.execute(select(func.count()).select_from(roster)).scalar() or 0
        holders = bundle_holders(conn, [g.device_id for g in gates if not g.disabled])
    return {"communities": comms, "people": people, "count": count, "gates": gates, "holders": holders, "groups": GROUP_NAMES}


@router.get("/console/people")
async def people_page(request: Request, session: Editor) -> Response:
    return render(request, "people.html", session, problems=[], notice="", **await run_in_threadpool(page_data, request, session))


@router.post("/console/people/import")
async def import_roster(request: Request, session: Editor, checked: Checked, file: UploadFile) -> Response:
    _ = gettext_for(request)
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise Invalid(N_("The file is larger than 5 MB."))
    people, problems = parse_roster_csv(data)
    ctx = ctx_of(request)
    if not problems:
        def write() -> None:
            with ctx.engine.begin() as conn:  # all rows or none
                for p in people:
                    fields = {k: v for k, v in p.items() if k != "uuid"}
                    bundles.add_resident(conn, ctx.data_key, uuid=p["uuid"] or None, now_iso=utc_iso(timespec="seconds"), **fields)
                audit(conn, session.account.name, "roster.import", file.filename or "", f"{len(people)} resident(s)")

        await run_in_threadpool(write)
    notice = "" if problems else _("Imported %(n)d resident(s); the gates receive them with their next bundle.") % {"n": len(people)}
    data_ = await run_in_threadpool(page_data, request, session)
    return render(request, "people.html", session, status=400 if problems else 200, problems=problems, notice=notice, **data_)


@router.post("/console/people/{uuid}/reveal")
async def reveal(request: Request, uuid: str, session: Admin, checked: Checked) -> Response:
    """The full ID number and phone, shown once to an admin; the reveal is audited."""
    ctx = ctx_of(request)

    def load() -> dict[str, Any]:
        with ctx.engine.begin() as conn:
            r = conn.execute(select(roster).where(roster.c.uuid == uuid)).first()
            if r is None:
                raise NotFound()
            audit(conn, session.account.name, "person.reveal", uuid, r.name)
            return {"name": r.name, "id_number": bundles.unseal(ctx.data_key, r.id_number), "phone": bundles.unseal(ctx.data_key, r.phone)}

    return render(request, "reveal.html", session, person=await run_in_threadpool(load))


@router.post("/console/people/mode")
async def set_mode(request: Request, session: Editor, checked: Checked, community_id: Annotated[str, Form(max_length=40)],
                   mode: Annotated[str, Form(pattern="^(normal|lockdown)$")]) -> Response:
    def do() -> None:
        with engine_of(request).begin() as conn:
            if community_id not in {c.community_id for c in visible_communities(conn, session.account)}:
                raise Forbidden(N_("Unknown community."))
            now = utc_iso(timespec="seconds")
            conn.execute(update(communities).where(communities.c.community_id == community_id).values(mode=mode, mode_changed_at=now))
            bundles.touch(conn, now)
            audit(conn, session.account.name, "community.mode", community_id, mode)

    await run_in_threadpool(do)
    return await people_page(request, session)
