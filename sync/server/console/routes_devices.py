"""Devices: add a gate (one-time enrolment code, also as a QR code), assign its community, revoke it, read its sync log."""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import insert, select, update
from starlette.concurrency import run_in_threadpool

from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.scope import visible_communities, visible_gates
from sync.server.console.tables import code_communities, device_communities
from sync.server.console.web import Admin, Checked, Forbidden, NotFound, Signed, ctx_of, engine_of, render
from sync.server.devices.enrol import _code_hash, new_enrol_code
from sync.server.devices.tables import devices
from sync.server.records.tables import sync_log

router = APIRouter()


@router.get("/console/devices")
async def device_list(request: Request, session: Signed) -> Response:
    def load() -> dict[str, Any]:
        with engine_of(request).connect() as conn:
            return {"gates": visible_gates(conn, session.account), "communities": visible_communities(conn, session.account)}

    return render(request, "devices.html", session, **await run_in_threadpool(load))


@router.post("/console/devices/add")
async def add_gate(request: Request, session: Admin, checked: Checked, label: Annotated[str, Form(min_length=1, max_length=100)],
                   community_id: Annotated[str, Form(max_length=40)]) -> Response:
    ctx = ctx_of(request)

    def mint() -> tuple[str, str]:
        with ctx.engine.begin() as conn:
            if community_id not in {c.community_id for c in visible_communities(conn, session.account)}:
                raise Forbidden(N_("Unknown community."))
            code, expires = new_enrol_code(conn, label.strip(), ctx.settings.enroll_ttl_hours)
            conn.execute(insert(code_communities).values(code_hash=_code_hash(code), community_id=community_id))
            audit(conn, session.account.name, "device.add", label.strip(), f"community={community_id} expires={expires}")
        return code, expires

    code, expires = await run_in_threadpool(mint)
    server = ctx.settings.base_url
    qr = Markup(segno.make(code, error="m").svg_inline(scale=6, border=4, omitsize=True))  # the code alone: what `kiosk provision --enroll-code` takes
    return render(request, "device_added.html", session, code=code, expires=expires, label=label.strip(), qr=qr, server=server)


@router.post("/console/devices/{device_id}/revoke")
async def revoke(request: Request, device_id: str, session: Admin, checked: Checked) -> Response:
    def do() -> None:
        with engine_of(request).begin() as conn:
            if conn.execute(update(devices).where(devices.c.device_id == device_id).values(disabled=True)).rowcount != 1:
                raise NotFound()
            audit(conn, session.account.name, "device.revoke", device_id)

    await run_in_threadpool(do)
    return await device_list(request, session)


@router.post("/console/devices/{device_id}/community")
async def assign(request: Request, device_id: str, session: Admin, checked: Checked, community_id: Annotated[str, Form(max_length=40)]) -> Response:
    def do() -> None:
        with engine_of(request).begin() as conn:
            if conn.execute(select(devices.c.device_id).where(devices.c.device_id == device_id)).first() is None:
                raise NotFound()
            if community_id not in {c.community_id for c in visible_communities(conn, session.account)}:
                raise Forbidden(N_("Unknown community."))
            if conn.execute(update(device_communities).where(device_communities.c.device_id == device_id).values(community_id=community_id)).rowcount == 0:
                conn.execute(insert(device_communities).values(device_id=device_id, community_id=community_id))
            audit(conn, session.account.name, "device.community", device_id, community_id)

    await run_in_threadpool(do)
    return await device_list(request, session)


@router.get("/console/devices/{device_id}/log")
async def device_log(request: Request, device_id: str, session: Signed,
                     outcome: Annotated[str, Query(pattern="^(|ok|error)$")] = "",
                     since: Annotated[str, Query(pattern=r"^(|\d{4}-\d{2}-\d{2})$")] = "",
                     until: Annotated[str, Query(pattern=r"^(|\d{4}-\d{2}-\d{2})$")] = "") -> Response:
    def load() -> dict[str, Any]:
        with engine_of(request).connect() as conn:
            gate = next((g for g in visible_gates(conn, session.account) if g.device_id == device_id), None)
            if gate is None:
                raise NotFound()
            q = select(sync_log).where(sync_log.c.device_id == device_id).order_by(sync_log.c.id.desc()).limit(200)
            if outcome == "ok":
                q = q.where(sync_log.c.status < 400)
            elif outcome == "error":
                q = q.where(sync_log.c.status >= 400)
            if since:
                q = q.where(sync_log.c.at >= since)
            if until:
                q = q.where(sync_log.c.at < until + "T99")
            return {"gate": gate, "rows": [dict(r._mapping) for r in conn.execute(q)]}

    return render(request, "device_log.html", session, outcome=outcome, since=since, until=until, **await run_in_threadpool(load))
