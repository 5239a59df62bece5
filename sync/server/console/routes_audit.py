"""The audit log, for admins: who changed what, and who saw whose personal data, when."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.audit import recent
from sync.server.console.web import Admin, engine_of, render

router = APIRouter()


@router.get("/console/audit")
async def audit_page(request: Request, session: Admin) -> Response:
    def load() -> list[dict[str, object]]:
        with engine_of(request).connect() as conn:
            return recent(conn, 300)

    return render(request, "audit.html", session, rows=await run_in_threadpool(load))
