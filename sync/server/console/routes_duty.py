"""Duty: who is on duty at each gate, with a phone (edited by staff), and the public /duty page (no sign-in):
each gate's duty names and phones in large type, for a poster QR at the gate — nothing else."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, insert, select
from starlette.concurrency import run_in_threadpool

from sync.protocol.clock import utc_iso
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.scope import device_community_map, visible_gates
from sync.server.console.tables import communities, duty
from sync.server.console.web import Checked, Editor, Forbidden, Invalid, Signed, engine_of, render
from sync.server.devices.tables import devices

router = APIRouter()
PHONE_RE = re.compile(r"\+?[0-9][0-9 -]{4,18}[0-9]")


def clean_duty(name: str, phone: str) -> tuple[str, str]:
    """Validated (name, phone), or Forbidden naming what is wrong (the page shows it)."""
    name, phone = " ".join(name.split()), phone.strip()
    if not 1 <= len(name) <= 40:
        raise Invalid(N_("The name must have 1-40 characters."))
    if not PHONE_RE.fullmatch(phone):
        raise Invalid(N_("The phone must be 6-20 digits (spaces, '-' and a leading '+' allowed)."))
    return name, phone


@router.get("/console/duty")
async def duty_page(request: Request, session: Signed) -> Response:
    def load() -> dict[str, Any]:
        with engine_of(request).connect() as conn:
            gates = [g for g in visible_gates(conn, session.account) if not g.disabled]
            rows = conn.execute(select(duty).where(duty.c.device_id.in_([g.device_id for g in gates])).order_by(duty.c.id)).all()
        per: dict[str, list[Any]] = {g.device_id: [] for g in gates}
        for r in rows:
            per[r.device_id].append(r)
        return {"gates": gates, "per": per}

    return render(request, "duty.html", session, **await run_in_threadpool(load))


@router.post("/console/duty/add")
async def duty_add(request: Request, session: Editor, checked: Checked, device_id: Annotated[str, Form(max_length=64)],
                   name: Annotated[str, Form(max_length=100)], phone: Annotated[str, Form(max_length=40)]) -> Response:
    clean_name, clean_phone = clean_duty(name, phone)

    def do() -> None:
        with engine_of(request).begin() as conn:
            if device_id not in {g.device_id for g in visible_gates(conn, session.account)}:
                raise Forbidden(N_("This gate is not in your communities."))
            conn.execute(insert(duty).values(device_id=device_id, name=clean_name, phone=clean_phone, updated_by=session.account.name, updated_at=utc_iso(timespec="seconds")))
            audit(conn, session.account.name, "duty.add", device_id, clean_name)

    await run_in_threadpool(do)
    return RedirectResponse("/console/duty", status_code=303)


@router.post("/console/duty/{duty_id}/remove")
async def duty_remove(request: Request, duty_id: int, session: Editor, checked: Checked) -> Response:
    def do() -> None:
        with engine_of(request).begin() as conn:
            row = conn.execute(select(duty).where(duty.c.id == duty_id)).first()
            if row is None or row.device_id not in {g.device_id for g in visible_gates(conn, session.account)}:
                raise Forbidden(N_("This gate is not in your communities."))
            conn.execute(delete(duty).where(duty.c.id == duty_id))
            audit(conn, session.account.name, "duty.remove", row.device_id, row.name)

    await run_in_threadpool(do)
    return RedirectResponse("/console/duty", status_code=303)


@router.get("/duty")
async def public_duty(request: Request) -> Response:
    """Public: community, gate, duty name, duty phone. No records, no residents, no device ids."""

    def load() -> list[dict[str, Any]]:
        with engine_of(request).connect() as conn:
            where = device_community_map(conn)
            names = {r.community_id: r.name for r in conn.execute(select(communities))}
            gates = {r.device_id: r.label for r in conn.execute(select(devices.c.device_id, devices.c.label).where(devices.c.disabled.is_(False)))}
            out: dict[str, dict[str, Any]] = {}
            for r in conn.execute(select(duty.c.device_id, duty.c.name, duty.c.phone).order_by(duty.c.id)):
                if r.device_id not in gates:
                    continue
                entry = out.setdefault(r.device_id, {"community": names.get(where.get(r.device_id, ""), ""), "gate": gates[r.device_id], "people": []})
                entry["people"].append({"name": r.name, "phone": r.phone})
        return sorted(out.values(), key=lambda e: (e["community"], e["gate"]))

    return render(request, "duty_public.html", None, entries=await run_in_threadpool(load))
