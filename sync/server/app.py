"""The reference central server: a FastAPI app over SQLAlchemy Core (SQLite or PostgreSQL).

`create_app` composes it: the context (settings, engine, keys) and the services the routes share,
the guards and error answers, then the routers: the kiosks' sync API and the admin API
(sync/server/api) and the community console (sync/server/console). The app owns its context and
closes it when it shuts down.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import H_SERVER_TIME, ErrorCode, ProtocolError, utc_now_iso
from sync.server import console, guard
from sync.server.alerts.monitoring_check import MonitoringCheck
from sync.server.alerts.notify import Notifier
from sync.server.api import admin_routes, openapi_doc, sync_routes
from sync.server.api.services import AppServices
from sync.server.context import ServerContext
from sync.server.devices.ratelimit import RateLimits
from sync.server.settings import ServerSettings, from_env
from sync.server.shedding import ShedLoad

log = logging.getLogger("kiosk-central")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.monitoring_check.stop()
    services: AppServices = app.state.services
    services.ctx.close()


def create_app(settings: ServerSettings) -> FastAPI:
    ctx = ServerContext.open(settings)
    docs = settings.api_docs  # off: the document is at /admin/openapi.json, for admins only
    app = FastAPI(title="kiosk-central", version="1", description="Reference central server for the checkpoint kiosks (docs/sync-protocol.md)",
                  docs_url="/docs" if docs else None, redoc_url=None, openapi_url="/openapi.json" if docs else None, lifespan=_lifespan)
    limits = RateLimits.from_settings(ctx.engine, settings)
    notifier = Notifier(ctx.engine, settings.alert_webhook_url, settings.alert_webhook_secret) if settings.alert_webhook_url else None
    if notifier is not None:
        notifier.start()  # a daemon thread: it ends with the process
    app.state.services = AppServices(ctx, limits, notifier)
    app.state.ctx = ctx  # the console's pages read it (console.web.ctx_of)
    openapi_doc.install(app)
    app.state.monitoring_check = MonitoringCheck(ctx.engine, settings)  # stopped before the context closes (_lifespan)
    guard.install(app, ctx, limits, app.state.monitoring_check)
    _install_error_answers(app)
    app.include_router(sync_routes.clock)
    app.include_router(sync_routes.router)
    app.include_router(admin_routes.router)
    console.mount(app)  # the community console's pages (sync/server/console)
    app.add_middleware(ShedLoad, limit=settings.max_inflight)  # outermost: a shed request costs no thread and no database
    return app


def _install_error_answers(app: FastAPI) -> None:
    """Every error a client gets is a protocol error body (JSON), never a bare 500 page; every answer carries the server's time."""

    @app.exception_handler(ProtocolError)
    async def _protocol_error(request: Request, exc: ProtocolError) -> JSONResponse:
        return guard.error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()[:20]]
        err = ProtocolError(422, ErrorCode.INVALID, f"{problems[0]['field']}: {problems[0]['problem']}" if problems else "invalid request", {"problems": problems})
        return JSONResponse(err.to_json(), status_code=422)

    app.add_middleware(ServerTimeAndErrors)


_TIME_HEADER = H_SERVER_TIME.lower().encode("latin-1")


class ServerTimeAndErrors:
    """Pure ASGI middleware (no task group and memory stream per request, as BaseHTTPMiddleware had): every answer
    carries the server's time; a database outage becomes a 503 with Retry-After and any other fault a JSON
    500, never a bare page (when the answer has not started yet: after that the connection is closed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def timed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _TIME_HEADER]
                message = {**message, "headers": [*headers, (_TIME_HEADER, utc_now_iso().encode("latin-1"))]}
            await send(message)

        try:
            await self.app(scope, receive, timed)
        except OperationalError as exc:  # the database is down or restarting: tell clients to come back
            if started:
                raise
            log.warning("database unavailable on %s %s: %s", scope.get("method"), scope.get("path"), exc.orig)
            err = ProtocolError(503, ErrorCode.UNAVAILABLE, f"the database is unavailable ({type(exc.orig).__name__}); nothing was acknowledged, retry later")
            await JSONResponse(err.to_json(), status_code=503, headers={"Retry-After": "10"})(scope, receive, timed)
        except Exception as exc:  # never a bare 500 page: a JSON error the client can classify
            if started:
                raise
            log.exception("internal error on %s %s", scope.get("method"), scope.get("path"))
            err = ProtocolError(500, ErrorCode.SERVER_ERROR, f"internal error ({type(exc).__name__}); nothing was acknowledged")
            await JSONResponse(err.to_json(), status_code=500)(scope, receive, timed)


# Collect the youngest objects every GC_GEN0 allocations instead of Python's 700: a batch of 500 records
# makes some 20,000 short-lived objects, none in cycles.
GC_GEN0 = 20_000


def tune_gc() -> None:
    """For a serving process, once its app is built: what start-up made (modules, the app, SQLAlchemy's
    compiled statements) lives as long as the process, so it leaves the
    collector's generations (gc.freeze) instead of being walked by every full collection; and the youngest
    generation is collected less often. Measured: ingest's CPU per record 13 -> 9.5 µs (docs/benchmarks.md)."""
    gc.collect()  # what start-up left as garbage goes first; only live objects are frozen
    gc.freeze()
    gc.set_threshold(GC_GEN0, *gc.get_threshold()[1:])


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes (`serve` passes the settings as KIOSK_CENTRAL_* variables)."""
    from sync.server.supervision import follow_supervisor

    follow_supervisor()  # a worker of `serve --workers N` stops when `serve` dies
    app = create_app(from_env())
    tune_gc()  # here, not in create_app: tests build many apps in one process
    return app
