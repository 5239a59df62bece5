"""Hooks that keep the server standing under abusive input: the per-address limit on
unauthenticated requests, the protocol error body for every refusal (404 and 405 too), the
refused-request log, and the hourly housekeeping."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

    app.add_middleware(Guard, ctx=ctx, limits=limits, monitoring_check=monitoring_check, schedule=schedule, retention=retention)


class Guard:
    """Pure ASGI middleware (as Starlette's BaseHTTPMiddleware, this layer and the server-time one cost 0.4-0.6 ms
    of CPU a request: a task group and a memory stream each; docs/benchmarks.md): the hourly housekeeping, the monitoring check's daily poke, the address's
    budget for an unauthenticated request, and for a failed signature or admin token (a 401), whose answer
    then becomes the 429 when that budget is spent."""

    def __init__(self, app: ASGIApp, ctx: ServerContext, limits: RateLimits, monitoring_check: MonitoringCheck, schedule: Schedule,
                 retention: int) -> None:
        self.app, self.ctx, self.limits, self.monitoring_check = app, ctx, limits, monitoring_check
        self.schedule, self.retention = schedule, retention

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = time.time()
        if self.schedule.due(now):
            purged = await run_in_threadpool(purge, self.ctx.engine, self.retention, now)
            log.info("housekeeping: %s", purged)
        self.monitoring_check.poke()  # once a local day: key persons' missed days (and fevers) become alerts by themselves
        request = Request(scope)
        path, source = request.url.path, client_address(request)
        if not (path in DEVICE_PATHS or path.startswith("/admin/")):
            try:
                await run_in_threadpool(self.limits.hit_anonymous, source)
            except ProtocolError as exc:
                await self._refuse(request, receive, send, source, exc)
                return
            await self.app(scope, receive, send)
            return
        refused = False

        async def counting_401(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 401:
                try:  # a failed signature or admin token spends the address's budget
                    await run_in_threadpool(self.limits.hit_anonymous, source)
                except ProtocolError as exc:
                    refused = True
                    await self._refuse(request, receive, send, source, exc)
            if not refused:  # once refused, the 401's own body is not sent
                await send(message)

        await self.app(scope, receive, counting_401)

    async def _refuse(self, request: Request, receive: Receive, send: Send, source: str, exc: ProtocolError) -> None:
        await run_in_threadpool(log_refusal, self.ctx.engine, source, request.headers.get("x-kiosk-device"), endpoint_of(request.url.path),
                                exc.status, str(exc.code), exc.message)
        await error_response(exc)(request.scope, receive, send)
