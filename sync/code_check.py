"""The kiosk's online code check (GB/T 38963 验码-like) through the central server.

Implements kiosk.domain.models.CodeChecker: ask the platform for a cn-token's (or an ID
number's) colour within a short timeout; None when it cannot answer in time, so the gate
falls back to the offline lane (guard-attested colour, re-checked later) instead of waiting.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from kiosk.domain.models import Colour, PlatformAnswer
from pydantic import ValidationError

from sync.credentials import Credentials
from sync.link import ServerLink
from sync.protocol import JSON_TYPE, PATH_CODE_CHECK, CodeCheckResponse

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 3.0


class HttpCodeChecker:
    """`check(qr_text=...)` or `check(id_number=...)` -> PlatformAnswer, or None when offline/late/refused."""

    def __init__(
        self,
        creds: Credentials,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        base_url: str | None = None,
        ca_bundle: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < timeout_s <= 30:
            raise ValueError(f"the code-check timeout must be between 0 and 30 s, got {timeout_s}")
        self.timeout_s = timeout_s
        self.link = ServerLink(creds, base_url=base_url, timeout_s=timeout_s, ca_bundle=ca_bundle, clock=clock)
        # requests' timeout bounds each socket wait, not the whole exchange (a server trickling
        # bytes, or the link's one re-signed retry, could run past it): a hard deadline on top.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="code-check")
        self.last_error: str | None = None  # for the admin screen / sync log: why the last check gave None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.link.close()

    def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
        if (qr_text is None) == (id_number is None):
            raise ValueError("give exactly one of qr_text or id_number")
        request_id = str(uuid.uuid4())
        payload = {"request_id": request_id, "qr_text": qr_text} if qr_text is not None else {"request_id": request_id, "id_number": id_number}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        future = self._pool.submit(self.link.request, "POST", PATH_CODE_CHECK, body, {"Content-Type": JSON_TYPE})
        try:
            reply = future.result(timeout=self.timeout_s)
        except FutureTimeout:
            future.cancel()
            self.last_error = f"the platform did not answer within {self.timeout_s:g} s (timed out)"
            log.info("code check gave no answer: %s", self.last_error)
            return None
        if reply.status != 200:
            self.last_error = reply.describe()
            log.info("code check gave no answer: %s", self.last_error)
            return None
        try:
            answer = CodeCheckResponse.model_validate_json(reply.content)
        except ValidationError as exc:
            self.last_error = f"the server's code-check answer is malformed: {exc.error_count()} problem(s)"
            return None
        if answer.request_id != request_id:
            self.last_error = "the server answered another request (request_id mismatch)"
            return None
        self.last_error = None
        return PlatformAnswer(
            colour=Colour(answer.colour), name_masked=answer.name_masked, id_masked=answer.id_masked, updated_at=answer.updated_at,
            holder_hash=answer.holder_hash, holder_sealed=answer.holder_sealed, holder_name_sealed=answer.holder_name_sealed,
        )
