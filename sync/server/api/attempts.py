"""The sync log of the kiosks' endpoints: every request to a `LoggedRoute` leaves one row, in the
sync log, or (not authenticated) among the refused requests, whatever the answer.

The route class owns the writing; the dependencies and the route fill in the request's `Attempt`
(who, how many bytes, which batch, how many records stored). A route that must commit its row with
its own data (a batch and its log row together) writes it through `Attempt.write`, and the route
class then leaves it alone. An error other than a ProtocolError (the database is down, a bug) is
answered by app.py's middleware and leaves no row, as the database may be what failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

import sync.protocol as wire
from sync.protocol import ErrorCode, ProtocolError
from sync.server import guard
from sync.server.api.services import app_services
from sync.server.devices.refusals import log_refusal
from sync.server.records.synclog import log_attempt, write_attempt

# The sync log's name of each endpoint
ENDPOINTS = {wire.PATH_ENROLL: "enroll", wire.PATH_BATCHES: "batches", wire.PATH_BUNDLE: "bundle", wire.PATH_CODE_CHECK: "code-check",
             wire.PATH_REPORTS: "reports", wire.PATH_ALERTS: "alerts", wire.PATH_KEY_ROLL: "key-roll"}


@dataclass
class Attempt:
    """One request to a kiosk endpoint, as its sync-log row will tell it."""

    endpoint: str
    started: float  # time.perf_counter() when the request reached the route
    claimed: str | None = None  # the device id the request names, before its signature is checked
    device_id: str | None = None  # once authenticated (enrolment: once enrolled)
    nbytes: int = 0  # the body as received
    batch_id: str | None = None
    records: int = 0
    stored: int = 0
    written: bool = False  # the route wrote the row in its own transaction

    def write(self, conn: Connection, status: int) -> None:
        """The row inside the caller's transaction (a batch and its log row commit together)."""
        write_attempt(conn, self.device_id, self.endpoint, status, self.nbytes, self.started, batch_id=self.batch_id,
                      records=self.records, stored=self.stored)
        self.written = True

    def log(self, engine: Engine, source: str, status: int, error: ProtocolError | None = None) -> None:
        """The row in a transaction of its own (called in a worker thread); `source` is the client's address."""
        device_id = self.device_id
        if device_id is None and error is not None and error.code == ErrorCode.DEVICE_REVOKED:
            device_id = self.claimed  # the signature was good: it is that revoked gate
        if device_id is None and error is not None:  # not authenticated: the claimed id is only a claim (guard.py logs it apart)
            log_refusal(engine, source, self.claimed, self.endpoint, error.status, str(error.code), error.message)
            return
        log_attempt(engine, device_id, self.endpoint, status, self.nbytes, self.started, batch_id=self.batch_id, records=self.records,
                    stored=self.stored, error_code=str(error.code) if error else None, message=error.message if error else None)


async def attempt_of(request: Request) -> Attempt:
    attempt = request.state.attempt
    assert isinstance(attempt, Attempt), "only routes of class LoggedRoute have an attempt"
    return attempt


AttemptDep = Annotated[Attempt, Depends(attempt_of)]


class LoggedRoute(APIRoute):
    """A kiosk endpoint: the request's Attempt is made before its dependencies run and logged after its answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        endpoint = ENDPOINTS[self.path]

        async def logged(request: Request) -> Response:
            attempt = Attempt(endpoint, time.perf_counter())
            request.state.attempt = attempt
            try:
                response = await handle(request)
            except ProtocolError as exc:  # answered by app.py's handler; a rolled-back row of the route's own is written again
                services = await app_services(request)
                await run_in_threadpool(attempt.log, services.ctx.engine, guard.client_address(request), exc.status, exc)
                raise
            if not attempt.written:
                services = await app_services(request)
                await run_in_threadpool(attempt.log, services.ctx.engine, guard.client_address(request), response.status_code)
            return response

        return logged
