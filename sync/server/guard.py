"""Hooks that keep the server standing under abusive input: the per-address limit on
unauthenticated requests, the protocol error body for every refusal (404 and 405 too), the
refused-request log, and the hourly housekeeping."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import PATH_BATCHES, PATH_BUNDLE, PATH_CODE_CHECK, PATH_REPORTS, ErrorCode, ProtocolError
from sync.server.alerts.monitoring_check import MonitoringCheck
from sync.server.context import ServerContext
from sync.server.devices.ratelimit import RateLimits, retry_after
from sync.server.devices.refusals import log_refusal
from sync.server.housekeeping import Schedule, purge

log = logging.getLogger("kiosk-central")
DEVICE_PATHS = frozenset({PATH_BATCHES, PATH_BUNDLE, PATH_CODE_CHECK, PATH_REPORTS})
HTTP_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.TOO_LARGE}


def client_address(request: Request) -> str:
    """The caller's address (uvicorn has already applied X-Forwarded-For from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def endpoint_of(path: str) -> str:
    return path.removeprefix("/v1/").removeprefix("/")[:40] or "/"


def error_response(exc: ProtocolError) -> JSONResponse:
    headers = {"Retry-After": retry_after(exc)} if exc.status in (429, 503) else None
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=headers)


def install(app: FastAPI, ctx: ServerContext, limits: RateLimits, monitoring_check: MonitoringCheck) -> None:
    """Call before the outermost middleware is added (so database outages there still become 503)."""
    schedule = Schedule()
    retention = ctx.settings.sync_log_retention_days

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, ErrorCode.INVALID if exc.status_code < 500 else ErrorCode.SERVER_ERROR)
        return error_response(ProtocolError(exc.status_code, code, f"{request.method} {request.url.path[:100]}: {exc.detail}"))

    @app.middleware("http")
    async def _unauthenticated_limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        now = time.time()
        if schedule.due(now):
            purged = await run_in_threadpool(purge, ctx.engine, retention, now)
            log.info("housekeeping: %s", purged)
        monitoring_check.poke()  # once a local day: key persons' missed days (and fevers) become alerts by themselves
        path, source = request.url.path, client_address(request)
        authenticates = path in DEVICE_PATHS or path.startswith("/admin/")
        try:
            if not authenticates:
                await run_in_threadpool(limits.hit_anonymous, source)
                return await call_next(request)
            response = await call_next(request)
            if response.status_code == 401:  # a failed signature or admin token spends the address's budget
                await run_in_threadpool(limits.hit_anonymous, source)
            return response
        except ProtocolError as exc:
            await run_in_threadpool(log_refusal, ctx.engine, source, request.headers.get("x-kiosk-device"), endpoint_of(path),
                                    exc.status, str(exc.code), exc.message)
            return error_response(exc)
