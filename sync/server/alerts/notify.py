"""Alert notification: each new alert is POSTed to the configured webhook, signed, retried with backoff.

Delivery state lives with the alert row (notify_state, attempts, next attempt, last error), so several
server processes share the work and a restart loses nothing. A row is leased by moving its next attempt
ahead before the HTTP call (a conditional update: one process wins it). The body is JSON; the signature
is HMAC-SHA256 over "<timestamp>.<body>" with the shared secret, so the receiver can check both the
sender and the freshness:

    X-Kiosk-Alert-Timestamp: 1764460800
    X-Kiosk-Alert-Signature: sha256=<hex>
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import Engine, select, update

from sync.common.backoff import Backoff
from sync.protocol.clock import utc_iso, utc_now
from sync.server.alerts.tables import alerts

log = logging.getLogger("kiosk-central.notify")
LEASE_S = 60
MAX_ATTEMPTS = 12
H_TIMESTAMP = "X-Kiosk-Alert-Timestamp"
H_SIGNATURE = "X-Kiosk-Alert-Signature"

Post = Callable[..., Any]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


# The wait after the n-th failed delivery: 2, 4, 8 ... seconds, at most ten minutes (the one Backoff rule).
backoff_s = Backoff(base_s=2.0, cap_s=600.0).ceiling


def deliver_due(engine: Engine, url: str, secret: str, post: Post = requests.post, limit: int = 20) -> int:
    """Send every alert whose notification is due; returns how many were delivered."""
    now = utc_now()
    with engine.connect() as conn:
        due = list(conn.execute(select(alerts).where(alerts.c.notify_state == "pending", alerts.c.notify_next_at <= utc_iso(now))
                                .order_by(alerts.c.notify_next_at).limit(limit)))
    sent = 0
    for row in due:
        with engine.begin() as conn:  # lease it: the process whose update matches sends it
            won = conn.execute(update(alerts).where(alerts.c.record_uuid == row.record_uuid, alerts.c.notify_state == "pending",
                                                    alerts.c.notify_next_at == row.notify_next_at)
                               .values(notify_next_at=utc_iso(now + timedelta(seconds=LEASE_S)))).rowcount == 1
        if not won:
            continue
        body = json.dumps({k: row._mapping[k] for k in ("record_uuid", "device_id", "community", "kind", "message",
                                                        "entry_uuid", "created_at", "received_at", "state")},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        ts = str(int(time.time()))
        error = None
        try:
            reply = post(url, data=body, timeout=10, headers={"Content-Type": "application/json", H_TIMESTAMP: ts,
                                                              H_SIGNATURE: sign(secret, ts, body)})
            if not 200 <= reply.status_code < 300:
                error = f"HTTP {reply.status_code}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        attempts = row.notify_attempts + 1
        if error is None:
            values: dict[str, Any] = {"notify_state": "sent", "notify_attempts": attempts, "notify_next_at": None, "notify_error": None}
            sent += 1
        else:
            log.warning("alert %s: webhook failed (%s), attempt %d", row.record_uuid, error, attempts)
            values = {"notify_state": "failed" if attempts >= MAX_ATTEMPTS else "pending", "notify_attempts": attempts,
                      "notify_error": error, "notify_next_at": utc_iso(utc_now() + timedelta(seconds=backoff_s(attempts)))}
        with engine.begin() as conn:
            conn.execute(update(alerts).where(alerts.c.record_uuid == row.record_uuid).values(**values))
    return sent


class Notifier:
    """A daemon thread in each server process: delivers due notifications, woken early by a new alert."""

    def __init__(self, engine: Engine, url: str, secret: str, every_s: float = 2.0) -> None:
        self.engine, self.url, self.secret, self.every_s = engine, url, secret, every_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="alert-notify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                deliver_due(self.engine, self.url, self.secret)
            except Exception:  # the database may be restarting: try again on the next tick
                log.exception("alert notification round failed")
            self._wake.wait(self.every_s)
