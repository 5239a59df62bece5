"""Typed dependencies of the API routes: the authenticated device (`DeviceDep`, `BatchDeviceDep`) and
the admin's token (`admin_only`).

A device request is read raw, because its signature covers the exact bytes: the body (with a size
limit and a deadline), then the signature, clock window and nonce, and the device's rate limit in the same transaction.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from sync.protocol import ErrorCode, ProtocolError
from sync.protocol.auth import H_DEVICE
from sync.server.api.attempts import Attempt, AttemptDep
from sync.server.api.services import AppServices, Services
from sync.server.devices.device_auth import authenticate
from sync.server.records.body import read_limited

JSON_BODY_LIMIT = 256 * 1024  # enrol / code check / reports / alerts / key roll / bundle


@dataclass(frozen=True)
class Device:
    """An authenticated device request: who signed it and the exact bytes the signature covers."""

    device_id: str
    body: bytes
    chain_id: str  # the id its records are hashed under (sync.server.devices.device_auth.SignedBy)


def signed_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def _authenticated(request: Request, services: AppServices, attempt: Attempt, limit: int) -> Device:
    settings = services.ctx.settings
    attempt.claimed = request.headers.get(H_DEVICE)
    body = await read_limited(request, limit, settings.body_timeout_s)
    attempt.nbytes = len(body)
    signed = await run_in_threadpool(
        authenticate, services.ctx.engine, request.headers, request.method, signed_path(request), body, time.time(),
        settings.clock_window_s, services.ctx.device_key, services.limits.count_device,
    )
    attempt.device_id = signed.device_id
    if signed.over_limit is not None:  # counted with the nonce: one transaction per authentication
        raise signed.over_limit
    return Device(signed.device_id, body, signed.chain_id)


async def authenticated_device(request: Request, services: Services, attempt: AttemptDep) -> Device:
    return await _authenticated(request, services, attempt, JSON_BODY_LIMIT)


async def authenticated_batch(request: Request, services: Services, attempt: AttemptDep) -> Device:
    """The same for a batch upload, whose body may be up to KIOSK_CENTRAL_MAX_BATCH_BYTES."""
    return await _authenticated(request, services, attempt, services.ctx.settings.max_batch_bytes)


DeviceDep = Annotated[Device, Depends(authenticated_device)]
BatchDeviceDep = Annotated[Device, Depends(authenticated_batch)]


async def admin_only(services: Services, authorization: Annotated[str | None, Header()] = None) -> None:
    """The admin token as a Bearer credential: every /admin route depends on it."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    # bytes: compare_digest refuses non-ASCII str, and a header may carry any Latin-1 byte
    if not token or not hmac.compare_digest(token.encode("utf-8", "surrogateescape"), services.ctx.admin_token.encode("utf-8")):
        raise ProtocolError(401, ErrorCode.UNSIGNED, "admin views need 'Authorization: Bearer <token>' (see data_dir/secrets/admin_token)")
