"""Load shedding: a worker that already runs `limit` device requests answers the next one at once
with 503 and a Retry-After, instead of queueing it until the kiosk's timeout (issue 15).

Kiosks back off by Retry-After (sync.common.backoff) and keep their records, so shedding loses nothing;
the spread of Retry-After values (not one fixed number) keeps shed kiosks from coming back in one
wave. Code checks are answered while a guard waits at the gate: they are shed only at twice the limit.
Enrolment, the console and the clock are never shed.
"""

from __future__ import annotations

import json
import random
from typing import Any

from sync.protocol import (
    H_SERVER_TIME,
    PATH_BATCHES,
    PATH_BUNDLE,
    PATH_CODE_CHECK,
    PATH_REPORTS,
    ErrorCode,
    ProtocolError,
    utc_now_iso,
)

SHED_PATHS = (PATH_BATCHES, PATH_BUNDLE, PATH_REPORTS)
RETRY_AFTER_S = (3, 10)  # Retry-After drawn from this range, whole seconds


class ShedLoad:
    """Pure ASGI middleware (no body buffering): counts the device requests in flight in this worker."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.inflight = 0
        self.shed = 0  # answered 503 since start (not in the sync log: an overloaded database gets no extra write)

    def _cap(self, path: str) -> int | None:
        if path.startswith(SHED_PATHS):
            return self.limit
        if path.startswith(PATH_CODE_CHECK):
            return 2 * self.limit
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        cap = self._cap(scope.get("path", "")) if scope["type"] == "http" else None
        if cap is None:
            await self.app(scope, receive, send)
            return
        if self.inflight >= cap:
            self.shed += 1
            await self._refuse(send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1

    async def _refuse(self, send: Any) -> None:
        wait = random.randint(*RETRY_AFTER_S)
        err = ProtocolError(503, ErrorCode.UNAVAILABLE, f"the server is busy ({self.limit} requests in progress); nothing was "
                                                         f"received, retry after {wait} s", {"retry_after_s": wait})
        body = json.dumps(err.to_json()).encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"retry-after", str(wait).encode()),
            (H_SERVER_TIME.lower().encode(), utc_now_iso().encode())]})
        await send({"type": "http.response.body", "body": body})
