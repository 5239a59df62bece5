"""One signed HTTP exchange with the central server (requests), and the clock-skew estimate.

Every request is signed per the protocol with the kiosk clock corrected by the estimated
skew; every answer's X-Server-Time (or Date) refreshes the estimate. A `401
stale-timestamp` is answered once at once: correct the skew from the server's time, sign
afresh and resend — a kiosk whose clock is 10 minutes off still uploads.
TLS is always verified: against the configured CA bundle, or the system's CAs.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from sync.credentials import Credentials
from sync.protocol import H_SERVER_TIME, ErrorCode, sign_request


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: no HTTP answer (refused, reset, timeout, TLS)
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""
    duration_ms: float = 0.0
    network_error: str | None = None

    @property
    def error_code(self) -> str | None:
        """The server's `error.code`, when the body is a protocol error."""
        detail = self.error_detail
        code = detail.get("code")
        return code if isinstance(code, str) else None

    @property
    def error_detail(self) -> dict[str, Any]:
        if self.status is None or self.status < 400:
            return {}
        try:
            err = json.loads(self.content).get("error")
        except (ValueError, AttributeError):
            return {}
        return err if isinstance(err, dict) else {}

    def describe(self) -> str:
        """A line for the sync log and the admin: what went wrong, in words."""
        if self.status is None:
            return f"no answer from the server: {self.network_error}"
        detail = self.error_detail
        if detail:
            return f"HTTP {self.status} {detail.get('code', '')}: {detail.get('message', '')}".strip()
        snippet = self.content[:200].decode("utf-8", "replace").strip()
        return f"HTTP {self.status}" + (f": {snippet}" if snippet else "")


def server_time_of(headers: Mapping[str, str]) -> float | None:
    """The server's clock as unix seconds: X-Server-Time (ms) first, else Date (s)."""
    raw = headers.get(H_SERVER_TIME)
    if raw:
        try:
            return datetime.fromisoformat(raw).timestamp()
        except ValueError:
            pass
    raw = headers.get("Date")
    if raw:
        try:
            return email.utils.parsedate_to_datetime(raw).timestamp()
        except (TypeError, ValueError, IndexError):
            return None
    return None


def _describe_exception(exc: requests.RequestException) -> str:
    kind = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS verification failed ({kind}): {str(exc)[:300]}"
    if isinstance(exc, requests.Timeout):
        return f"timed out ({kind})"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({kind}): {str(exc)[:300]}"
    return f"{kind}: {str(exc)[:300]}"


class ServerLink:
    """A requests.Session bound to one server and one device's credentials."""

    def __init__(
        self,
        creds: Credentials,
        *,
        base_url: str | None = None,
        timeout_s: float = 10.0,
        ca_bundle: str = "",
        clock: Callable[[], float] = time.time,
        skew_s: float = 0.0,
    ) -> None:
        self.creds = creds
        self.base_url = (base_url or creds.server_url).rstrip("/")
        self.timeout_s = timeout_s
        self.clock = clock
        self.skew_s = skew_s  # server clock minus kiosk clock, seconds
        self.skew_measured = False
        # Passed with every request: a Session-level `verify` loses to REQUESTS_CA_BUNDLE in the
        # environment (requests issue 3829), and the configured bundle must win.
        self.verify: str | bool = ca_bundle or True
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "checkpoint-kiosk-sync/1"

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Reply:
        reply = self._once(method, path, body, headers)
        if reply.status == 401 and reply.error_code == ErrorCode.STALE_TIMESTAMP:
            server_now = reply.error_detail.get("details", {}).get("server_time_unix")
            if isinstance(server_now, int | float):
                self.skew_s = float(server_now) - self.clock()
            reply = self._once(method, path, body, headers)
        return reply

    def _once(self, method: str, path: str, body: bytes, headers: Mapping[str, str] | None) -> Reply:
        signed = sign_request(
            self.creds.device_id, self.creds.device_secret, method, path, body, now=self.clock() + self.skew_s
        )
        all_headers = {**(headers or {}), **signed}
        sent_at = self.clock()
        started = time.perf_counter()
        try:
            resp = self.session.request(
                method,
                self.base_url + path,
                data=body or None,
                headers=all_headers,
                timeout=self.timeout_s,
                allow_redirects=False,
                verify=self.verify,
            )
            content = resp.content
        except requests.RequestException as exc:
            return Reply(None, duration_ms=(time.perf_counter() - started) * 1000, network_error=_describe_exception(exc))
        duration_ms = (time.perf_counter() - started) * 1000
        received_at = self.clock()
        server_now = server_time_of(resp.headers)
        if server_now is not None:
            self.skew_s = server_now - (sent_at + received_at) / 2
            self.skew_measured = True
        return Reply(resp.status_code, resp.headers, content, duration_ms)
