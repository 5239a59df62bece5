"""/admin/* over HTTP: device status, sync log, record counts, reports. Bearer admin token required."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query
from starlette.concurrency import run_in_threadpool

from sync.protocol import ErrorCode, ProtocolError
from sync.server.admin_views import device_views, record_counts, report_list
from sync.server.context import ServerContext
from sync.server.synclog import read_log


def register(app: FastAPI, ctx: ServerContext) -> None:
    def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        token = (authorization or "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(token, ctx.admin_token):
            raise ProtocolError(401, ErrorCode.UNSIGNED, "admin views need 'Authorization: Bearer <token>' (see data_dir/secrets/admin_token)")

    guarded = [Depends(admin)]

    @app.get("/admin/devices", dependencies=guarded, tags=["admin"])
    async def admin_devices() -> list[dict[str, Any]]:
        return await run_in_threadpool(device_views, ctx.engine)

    @app.get("/admin/sync-log", dependencies=guarded, tags=["admin"])
    async def admin_sync_log(
        device: Annotated[str | None, Query(max_length=64)] = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 100
    ) -> list[dict[str, Any]]:
        return await run_in_threadpool(read_log, ctx.engine, device, limit)

    @app.get("/admin/records/count", dependencies=guarded, tags=["admin"])
    async def admin_record_count(device: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, int]:
        return await run_in_threadpool(record_counts, ctx.engine, device)

    @app.get("/admin/reports", dependencies=guarded, tags=["admin"])
    async def admin_reports(date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> list[dict[str, Any]]:
        return await run_in_threadpool(report_list, ctx.engine, date)
