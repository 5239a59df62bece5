"""The kiosks' endpoints (docs/sync-protocol.md): enrol, batches, bundle, code check, reports, alerts,
key roll, and the clock.

Each reads its raw body (the signature covers its exact bytes) through `DeviceDep`, parses it
strictly with the shared protocol models and answers with protocol messages. The routes are plain
functions, so FastAPI runs them in a worker thread: they use the database directly. Every request
but the clock's leaves a sync-log row (attempts.LoggedRoute).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from sync.protocol import (
    H_IDEMPOTENCY,
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
from sync.server import console
from sync.server.alerts import alerts, isolation
from sync.server.api import openapi_doc
from sync.server.api.attempts import AttemptDep, LoggedRoute
from sync.server.api.deps import JSON_BODY_LIMIT, BatchDeviceDep, DeviceDep
from sync.server.api.services import Services
from sync.server.devices.enrol import device_lookup_key, enrol, roll_key
from sync.server.lists import bundles, registry
from sync.server.records.body import read_limited
from sync.server.records.fastparse import parse_batch_decoded
from sync.server.records.ingest import ingest_batch
from sync.server.reports.tables import reports
from sync.server.settings import local_today

ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorResponse} for s in (400, 401, 403, 408, 413, 415, 422, 429)}
_schema = openapi_doc.request_body

router = APIRouter(route_class=LoggedRoute)
clock = APIRouter()  # not a device request: no sync-log row


@clock.get(PATH_TIME, response_model=TimeResponse)
def server_time() -> TimeResponse:
    return TimeResponse(server_time=utc_now_iso(), server_time_unix=time.time())


@router.post(PATH_ENROLL, response_model=EnrollResponse, responses=ERRORS, openapi_extra=_schema(EnrollRequest))
async def enroll(request: Request, services: Services, attempt: AttemptDep) -> EnrollResponse:
    body = await read_limited(request, JSON_BODY_LIMIT, services.ctx.settings.body_timeout_s)
    attempt.nbytes = len(body)
    answer = await run_in_threadpool(enrol, services.ctx, parse_model(EnrollRequest, body))
    attempt.device_id = answer.device_id
    return answer


@router.post(PATH_BATCHES, response_model=BatchAck, responses=ERRORS,
             openapi_extra=_schema(BatchEnvelope) | {"parameters": [{"name": H_IDEMPOTENCY, "in": "header", "required": True, "schema": {"type": "string"}}]})
def upload_batch(request: Request, device: BatchDeviceDep, services: Services, attempt: AttemptDep) -> Any:
    ctx, settings, body = services.ctx, services.ctx.settings, device.body
    attempt.batch_id = request.headers.get(H_IDEMPOTENCY, "")[:36] or None
    parsed = parse_batch_decoded(body, request.headers.get("content-type"), request.headers.get("content-encoding"),
                                 settings.max_batch_records, signer=device.device_id, chain_id=device.chain_id)
    batch = parsed.batch
    attempt.batch_id, attempt.records = batch.batch_id, len(batch.records)
    key = request.headers.get(H_IDEMPOTENCY)
    if key is not None and key != batch.batch_id:
        raise ProtocolError(422, ErrorCode.INVALID, f"{H_IDEMPOTENCY} {key!r} differs from the envelope's batch_id {batch.batch_id!r}")
    with ctx.engine.begin() as conn:  # one transaction: the records, the chain state and the log row
        ack = ingest_batch(conn, batch, body_digest(body), utc_now_iso(), notify=bool(settings.alert_webhook_url), bodies=parsed.bodies)
        attempt.stored = ack.stored
        attempt.write(conn, 200)
    if ack.stored and services.notifier is not None:
        services.notifier.wake()  # any alert the batch carried goes out now
    return ack


@router.get(PATH_BUNDLE, responses={304: {"description": "unchanged (If-None-Match)"}, **ERRORS})
def bundle(request: Request, device: DeviceDep, services: Services, attempt: AttemptDep) -> Any:
    ctx = services.ctx
    with ctx.engine.connect() as conn:
        lookup_key = device_lookup_key(conn, ctx, device.device_id)
        content = bundles.build(conn, ctx.data_key, lookup_key)
        content["isolation"] = isolation.bundle_entries(conn, ctx.data_key, lookup_key, alerts.community_of(conn, device.device_id),
                                                        local_today(ctx.settings.timezone))
        content = console.policy.apply(conn, device.device_id, content)  # a community's lockdown
    envelope, etag = sign_bundle(content, ctx.bundle_key)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    attempt.records = len(content["roster"])
    return Response(envelope, media_type="application/json", headers={"ETag": etag})


@router.post(PATH_CODE_CHECK, response_model=CodeCheckResponse, responses=ERRORS, openapi_extra=_schema(CodeCheckRequest))
def code_check(device: DeviceDep, services: Services) -> Any:
    services.limits.hit_code_check(device.device_id)  # besides the device's limit: a check can probe ID numbers
    req = parse_model(CodeCheckRequest, device.body)
    with services.ctx.engine.connect() as conn:
        return registry.check(conn, services.ctx.settings.data_dir, req, device_lookup_key(conn, services.ctx, device.device_id))


@router.post(PATH_REPORTS, response_model=ReportAck, responses=ERRORS, openapi_extra=_schema(ReportUpload))
def upload_report(device: DeviceDep, services: Services) -> Any:
    req = parse_model(ReportUpload, device.body)
    now = utc_now_iso()
    with services.ctx.engine.begin() as conn:
        held = conn.execute(reports.select().where(reports.c.report_id == req.report_id)).first()
        if held is None:
            conn.execute(reports.insert().values(report_id=req.report_id, device_id=device.device_id, date=req.date.isoformat(),
                                                 kind=req.kind, body=device.body.decode("utf-8"), received_at=now))
    return ReportAck(report_id=req.report_id, stored=held is None, received_at=now if held is None else held.received_at)


@router.post(PATH_ALERTS, response_model=AlertAck, responses=ERRORS, openapi_extra=_schema(AlertUpload))
def upload_alert(device: DeviceDep, services: Services, attempt: AttemptDep) -> Any:
    req = parse_model(AlertUpload, device.body)
    now = utc_now_iso()
    try:
        with services.ctx.engine.begin() as conn:
            stored = alerts.from_lane(conn, device.device_id, req.uuid, req.created_at, req.body, now,
                                      bool(services.ctx.settings.alert_webhook_url))
    except ValueError as exc:
        raise ProtocolError(422, ErrorCode.INVALID, f"body: {exc}") from None
    attempt.records, attempt.stored = 1, int(stored)
    if stored and services.notifier is not None:
        services.notifier.wake()
    return AlertAck(uuid=req.uuid, stored=stored, received_at=now)


@router.post(PATH_KEY_ROLL, response_model=KeyRollResponse, responses=ERRORS, openapi_extra=_schema(KeyRollRequest))
def key_roll(device: DeviceDep, services: Services) -> Any:
    parse_model(KeyRollRequest, device.body)
    return roll_key(services.ctx, device.device_id)
