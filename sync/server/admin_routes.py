"""/admin/* over HTTP: device status, sync log, record counts, reports. Bearer admin token required."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query
from starlette.concurrency import run_in_threadpool

from sync.protocol import ErrorCode, ProtocolError
from sync.server.admin_views import device_views, record_counts, report_list
from sync.server.context import ServerContext
from sync.server.synclog import read_log

DeviceParam = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


def admin_guard(ctx: ServerContext) -> Callable[..., None]:
    """The dependency every /admin route uses: the admin token as a Bearer credential."""

    def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        token = (authorization or "").removeprefix("Bearer ").strip()
        # bytes: compare_digest refuses non-ASCII str, and a header may carry any Latin-1 byte
        if not token or not hmac.compare_digest(token.encode("utf-8", "surrogateescape"), ctx.admin_token.encode("utf-8")):
            raise ProtocolError(401, ErrorCode.UNSIGNED, "admin views need 'Authorization: Bearer <token>' (see data_dir/secrets/admin_token)")

    return admin


def register(app: FastAPI, ctx: ServerContext) -> None:
    guarded = [Depends(admin_guard(ctx))]

    @app.get("/admin/devices", dependencies=guarded, tags=["admin"])
    async def admin_devices() -> list[dict[str, Any]]:
        return await run_in_threadpool(device_views, ctx.engine)

    @app.get("/admin/sync-log", dependencies=guarded, tags=["admin"])
    async def admin_sync_log(
        device: DeviceParam = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 100
    ) -> list[dict[str, Any]]:
        return await run_in_threadpool(read_log, ctx.engine, device, limit)

    @app.get("/admin/records/count", dependencies=guarded, tags=["admin"])
    async def admin_record_count(device: DeviceParam = None) -> dict[str, int]:
        return await run_in_threadpool(record_counts, ctx.engine, device)

    @app.get("/admin/reports", dependencies=guarded, tags=["admin"])
    async def admin_reports(date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> list[dict[str, Any]]:
        return await run_in_threadpool(report_list, ctx.engine, date)
