"""Key groups (重点人群) on the People page: a resident's flags — inbound, cold chain, released or
recovered, risk area within 14 days — set by staff or admins. The flags go to the kiosks with the roster in
the next signed bundle (sync/server/lists/bundles.py), where the gate's key-person rules read them; every change
is audited in the same transaction."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from sync.protocol.clock import utc_iso
from sync.server.console.audit import audit
from sync.server.console.i18n import N_
from sync.server.console.routes_people import GROUP_NAMES, people_page
from sync.server.console.web import Checked, Editor, Invalid, NotFound, ctx_of
from sync.server.lists import bundles
from sync.server.lists.tables import roster

router = APIRouter()

def clean_groups(values: list[str]) -> list[str]:
    """The flags as stored (sorted, no repeats); an unknown flag is refused, not dropped."""
    unknown = [v for v in values if v not in GROUP_NAMES]
    if unknown:
        raise Invalid(N_("Unknown key group."))
    return sorted(set(values))


@router.post("/console/people/{uuid}/key-groups")
async def set_groups(request: Request, uuid: str, session: Editor, checked: Checked,
                     group: Annotated[list[str] | None, Form(max_length=40)] = None) -> Response:
    groups = clean_groups(group or [])
    ctx = ctx_of(request)

    def write() -> None:
        with ctx.engine.begin() as conn:
            before = conn.execute(select(roster.c.key_groups).where(roster.c.uuid == uuid)).scalar()
            if before is None:
                raise NotFound()
            if json.loads(before or "[]") == groups:
                return  # nothing changed: no bundle change, nothing to audit
            conn.execute(update(roster).where(roster.c.uuid == uuid).values(key_groups=json.dumps(groups)))
            bundles.touch(conn, utc_iso(timespec="seconds"))
            audit(conn, session.account.name, "person.key_groups", uuid, ",".join(groups) or "none")

    await run_in_threadpool(write)
    return await people_page(request, session)
