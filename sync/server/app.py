"""The reference central server: a FastAPI app over SQLAlchemy Core (SQLite or PostgreSQL).

Device endpoints read the raw body (the signature covers its exact bytes), authenticate, parse
strictly with the shared protocol models, and answer with protocol messages. Every attempt,
good or bad, lands in the server's sync log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from sync.protocol import (
    H_IDEMPOTENCY,
    H_SERVER_TIME,
    PATH_ALERTS,
    PATH_BATCHES,
    PATH_BUNDLE,
    PATH_CODE_CHECK,
    PATH_ENROLL,
    PATH_KEY_ROLL,
    PATH_REPORTS,
    PATH_TIME,
    AlertAck,
    AlertUpload,
    BatchAck,
    BatchEnvelope,
    CodeCheckRequest,
    CodeCheckResponse,
    EnrollRequest,
    EnrollResponse,
    ErrorCode,
    ErrorResponse,
    KeyRollRequest,
    KeyRollResponse,
    ProtocolError,
    ReportAck,
    ReportUpload,
    TimeResponse,
    body_digest,
    etag_matches,
    parse_model,
    sign_bundle,
    utc_now_iso,
)
from sync.server import admin_routes, alerts, bundles, console, guard, isolation, openapi_doc, registry
from sync.server.batch_stream import parse_batch_stream
from sync.server.body import read_limited
from sync.server.context import ServerContext
from sync.server.device_auth import authenticate
from sync.server.enrol import device_lookup_key, enrol, journal_id, roll_key
from sync.server.ingest import ingest_batch
from sync.server.notify import Notifier
from sync.server.ratelimit import RateLimits
from sync.server.refusals import log_refusal
from sync.server.settings import ServerSettings, from_env, local_today
from sync.server.shedding import ShedLoad
from sync.server.synclog import log_attempt, write_attempt
from sync.server.tables import reports

log = logging.getLogger("kiosk-central")
JSON_BODY_LIMIT = 256 * 1024  # enrol / code check / reports
LOGGED = "_logged"  # set in a handler's `info` when it wrote the sync-log row itself


_schema = openapi_doc.request_body


ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorResponse} for s in (400, 401, 403, 408, 413, 415, 422, 429)}


def _signed_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def create_app(settings: ServerSettings) -> FastAPI:
    ctx = ServerContext.open(settings)
    docs = settings.api_docs  # off: the document is at /admin/openapi.json, for admins only
    app = FastAPI(title="kiosk-central", version="1", description="Reference central server for the checkpoint kiosks (docs/sync-protocol.md)",
                  docs_url="/docs" if docs else None, redoc_url=None, openapi_url="/openapi.json" if docs else None)
    app.state.ctx = ctx
    limits = RateLimits.from_settings(ctx.engine, settings)
    openapi_doc.install(app)
    guard.install(app, ctx, limits, admin_routes.admin_guard(ctx))
    notifier = Notifier(ctx.engine, settings.alert_webhook_url, settings.alert_webhook_secret) if settings.alert_webhook_url else None
    if notifier is not None:
        notifier.start()  # a daemon thread: it ends with the process

    @app.exception_handler(ProtocolError)
    async def _protocol_error(request: Request, exc: ProtocolError) -> JSONResponse:
        return guard.error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()[:20]]
        err = ProtocolError(422, ErrorCode.INVALID, f"{problems[0]['field']}: {problems[0]['problem']}" if problems else "invalid request", {"problems": problems})
        return JSONResponse(err.to_json(), status_code=422)

    @app.middleware("http")
    async def _server_time(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            response = await call_next(request)
        except OperationalError as exc:  # the database is down or restarting: tell clients to come back
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
            err = ProtocolError(503, ErrorCode.UNAVAILABLE, f"the database is unavailable ({type(exc.orig).__name__}); nothing was acknowledged, retry later")
            response = JSONResponse(err.to_json(), status_code=503, headers={"Retry-After": "10"})
        except Exception as exc:  # never a bare 500 page: a JSON error the client can classify
            log.exception("internal error on %s %s", request.method, request.url.path)
            err = ProtocolError(500, ErrorCode.SERVER_ERROR, f"internal error ({type(exc).__name__}); nothing was acknowledged")
            response = JSONResponse(err.to_json(), status_code=500)
        response.headers[H_SERVER_TIME] = utc_now_iso()
        return response

    async def _device_call(
        request: Request, endpoint: str, limit: int, handler: Callable[[str, bytes, dict[str, Any]], Any]
    ) -> Any:
        """Authenticate, run `handler(device_id, body, info)` in a worker thread, log the attempt either way
        (with whatever the handler put in `info`: batch id, records, stored)."""
        started, device_id, body = time.perf_counter(), None, b""
        info: dict[str, Any] = {}
        try:
            body = await read_limited(request, limit, settings.body_timeout_s)
            device_id = await run_in_threadpool(
                authenticate, ctx.engine, request.headers, request.method, _signed_path(request), body, time.time(), settings.clock_window_s,
                ctx.device_key,
            )
            await run_in_threadpool(limits.hit_device, device_id)
            if endpoint == "code-check":
                await run_in_threadpool(limits.hit_code_check, device_id)
            result = await run_in_threadpool(handler, device_id, body, info)
        except ProtocolError as exc:
            if device_id is None and exc.code == ErrorCode.DEVICE_REVOKED:
                device_id = request.headers.get("x-kiosk-device")  # the signature was good: it is that revoked gate
            if device_id is None:  # not authenticated: the claimed id is only a claim (guard.py logs it apart)
                await run_in_threadpool(log_refusal, ctx.engine, guard.client_address(request), request.headers.get("x-kiosk-device"),
                                        endpoint, exc.status, str(exc.code), exc.message)
            else:
                await run_in_threadpool(log_attempt, ctx.engine, device_id, endpoint, exc.status, len(body), started,
                                        error_code=str(exc.code), message=exc.message, **info)
            raise
        if info.pop(LOGGED, False):  # the handler wrote its log row in its own transaction
            return result
        status = result.status_code if isinstance(result, Response) else 200
        await run_in_threadpool(log_attempt, ctx.engine, device_id, endpoint, status, len(body), started, **info)
        return result

    @app.get(PATH_TIME, response_model=TimeResponse)
    def server_time() -> TimeResponse:
        return TimeResponse(server_time=utc_now_iso(), server_time_unix=time.time())

    @app.post(PATH_ENROLL, response_model=EnrollResponse, responses=ERRORS, openapi_extra=_schema(EnrollRequest))
    async def enroll(request: Request) -> EnrollResponse:
        started = time.perf_counter()
        try:
            body = await read_limited(request, JSON_BODY_LIMIT, settings.body_timeout_s)
            req = parse_model(EnrollRequest, body)
            answer = await run_in_threadpool(enrol, ctx, req)
        except ProtocolError as exc:
            await run_in_threadpool(log_refusal, ctx.engine, guard.client_address(request), None, "enroll", exc.status, str(exc.code), exc.message)
            raise
        await run_in_threadpool(log_attempt, ctx.engine, answer.device_id, "enroll", 200, len(body), started)
        return answer

    @app.post(PATH_BATCHES, response_model=BatchAck, responses=ERRORS,
              openapi_extra=_schema(BatchEnvelope) | {"parameters": [{"name": H_IDEMPOTENCY, "in": "header", "required": True, "schema": {"type": "string"}}]})
    async def upload_batch(request: Request) -> Any:
        started = time.perf_counter()

        def handle(device_id: str, body: bytes, info: dict[str, Any]) -> BatchAck:
            info["batch_id"] = request.headers.get(H_IDEMPOTENCY, "")[:36] or None
            with ctx.engine.connect() as conn:
                chain_id = journal_id(conn, device_id)
            batch = parse_batch_stream(body, request.headers.get("content-type"), request.headers.get("content-encoding"),
                                       settings.max_batch_records, signer=device_id, chain_id=chain_id)
            info.update(batch_id=batch.batch_id, records=len(batch.records))
            key = request.headers.get(H_IDEMPOTENCY)
            if key is not None and key != batch.batch_id:
                raise ProtocolError(422, ErrorCode.INVALID, f"{H_IDEMPOTENCY} {key!r} differs from the envelope's batch_id {batch.batch_id!r}")
            with ctx.engine.begin() as conn:  # one transaction: the records, the chain state and the log row
                ack = ingest_batch(conn, batch, body_digest(body), utc_now_iso(), notify=bool(settings.alert_webhook_url))
                info["stored"] = ack.stored
                write_attempt(conn, device_id, "batches", 200, len(body), started, batch_id=batch.batch_id,
                              records=len(batch.records), stored=ack.stored)
            info[LOGGED] = True
            if ack.stored and notifier is not None:
                notifier.wake()  # any alert the batch carried goes out now
            return ack

        return await _device_call(request, "batches", settings.max_batch_bytes, handle)

    @app.get(PATH_BUNDLE, responses={304: {"description": "unchanged (If-None-Match)"}, **ERRORS})
    async def bundle(request: Request) -> Any:
        def handle(device_id: str, body: bytes, info: dict[str, Any]) -> Response:
            with ctx.engine.connect() as conn:
                lookup_key = device_lookup_key(conn, ctx, device_id)
                content = bundles.build(conn, ctx.data_key, lookup_key)
                content["isolation"] = isolation.bundle_entries(conn, ctx.data_key, lookup_key, alerts.community_of(conn, device_id),
                                                                local_today(settings.timezone))
                content = console.policy.apply(conn, device_id, content)  # a community's lockdown
            envelope, etag = sign_bundle(content, ctx.bundle_key)
            if etag_matches(request.headers.get("if-none-match"), etag):
                return Response(status_code=304, headers={"ETag": etag})
            info["records"] = len(content["roster"])
            return Response(envelope, media_type="application/json", headers={"ETag": etag})

        return await _device_call(request, "bundle", JSON_BODY_LIMIT, handle)

    @app.post(PATH_CODE_CHECK, response_model=CodeCheckResponse, responses=ERRORS, openapi_extra=_schema(CodeCheckRequest))
    async def code_check(request: Request) -> Any:
        def handle(device_id: str, body: bytes, info: dict[str, Any]) -> CodeCheckResponse:
            req = parse_model(CodeCheckRequest, body)
            with ctx.engine.connect() as conn:
                return registry.check(conn, settings.data_dir, req, device_lookup_key(conn, ctx, device_id))

        return await _device_call(request, "code-check", JSON_BODY_LIMIT, handle)

    @app.post(PATH_REPORTS, response_model=ReportAck, responses=ERRORS, openapi_extra=_schema(ReportUpload))
    async def upload_report(request: Request) -> Any:
        def handle(device_id: str, body: bytes, info: dict[str, Any]) -> ReportAck:
            req = parse_model(ReportUpload, body)
            now = utc_now_iso()
            with ctx.engine.begin() as conn:
                held = conn.execute(reports.select().where(reports.c.report_id == req.report_id)).first()
                if held is None:
                    conn.execute(reports.insert().values(report_id=req.report_id, device_id=device_id, date=req.date.isoformat(),
                                                         kind=req.kind, body=body.decode("utf-8"), received_at=now))
            return ReportAck(report_id=req.report_id, stored=held is None, received_at=now if held is None else held.received_at)

        return await _device_call(request, "reports", JSON_BODY_LIMIT, handle)

    @app.post(PATH_ALERTS, response_model=AlertAck, responses=ERRORS, openapi_extra=_schema(AlertUpload))
    async def upload_alert(request: Request) -> Any:
        def handle(device_id: str, body: bytes, info: dict[str, Any]) -> AlertAck:
            req = parse_model(AlertUpload, body)
            now = utc_now_iso()
            try:
                with ctx.engine.begin() as conn:
                    stored = alerts.from_lane(conn, device_id, req.uuid, req.created_at, req.body, now, bool(settings.alert_webhook_url))
            except ValueError as exc:
                raise ProtocolError(422, ErrorCode.INVALID, f"body: {exc}") from None
            info.update(records=1, stored=int(stored))
            if stored and notifier is not None:
                notifier.wake()
            return AlertAck(uuid=req.uuid, stored=stored, received_at=now)

        return await _device_call(request, "alerts", JSON_BODY_LIMIT, handle)

    @app.post(PATH_KEY_ROLL, response_model=KeyRollResponse, responses=ERRORS, openapi_extra=_schema(KeyRollRequest))
    async def key_roll(request: Request) -> Any:
        def handle(device_id: str, body: bytes, info: dict[str, Any]) -> KeyRollResponse:
            parse_model(KeyRollRequest, body)
            return roll_key(ctx, device_id)

        return await _device_call(request, "key-roll", JSON_BODY_LIMIT, handle)

    admin_routes.register(app, ctx)
    console.mount(app)  # the community console's pages (sync/server/console)
    app.add_middleware(ShedLoad, limit=settings.max_inflight)  # outermost: a shed request costs no thread and no database
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes (`serve` passes the settings as KIOSK_CENTRAL_* variables)."""
    from sync.server.supervision import follow_supervisor

    follow_supervisor()  # a worker of `serve --workers N` stops when `serve` dies
    return create_app(from_env())
