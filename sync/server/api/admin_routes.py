"""/admin/* over HTTP: device status, sync log, refused requests, record counts, reports and the
OpenAPI document. Read-only; every route needs the admin token as a Bearer credential."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from sync.server.api.deps import admin_only
from sync.server.api.services import Services
from sync.server.devices.refusals import read_refusals
from sync.server.records.admin_views import device_views, record_counts
from sync.server.records.synclog import read_log
from sync.server.reports.gate_reports import report_list

DeviceParam = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]

router = APIRouter(dependencies=[Depends(admin_only)], tags=["admin"])


@router.get("/admin/openapi.json")
async def admin_openapi(request: Request) -> dict[str, Any]:
    document: dict[str, Any] = request.app.openapi()
    return document


@router.get("/admin/refused")
async def admin_refused(
    services: Services,
    source: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9A-Za-z.:_-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    return await run_in_threadpool(read_refusals, services.ctx.engine, source, limit)


@router.get("/admin/devices")
async def admin_devices(services: Services) -> list[dict[str, Any]]:
    return await run_in_threadpool(device_views, services.ctx.engine)


@router.get("/admin/sync-log")
async def admin_sync_log(
    services: Services, device: DeviceParam = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 100
) -> list[dict[str, Any]]:
    return await run_in_threadpool(read_log, services.ctx.engine, device, limit)


@router.get("/admin/records/count")
async def admin_record_count(services: Services, device: DeviceParam = None) -> dict[str, int]:
    return await run_in_threadpool(record_counts, services.ctx.engine, device)


@router.get("/admin/reports")
async def admin_reports(services: Services, date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> list[dict[str, Any]]:
    return await run_in_threadpool(report_list, services.ctx.engine, date)
