"""The alert notification webhook (issue 12): each new alert POSTed signed (HMAC-SHA256 over
timestamp.body), retried with backoff after a failure, delivered once; state kept with the alert."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from sync.server.alerts import alerts
from sync.server.alerts.notify import H_SIGNATURE, H_TIMESTAMP, backoff_s, deliver_due
from sync.server.alerts.tables import alerts as table
from sync.server.db import make_engine, upgrade

SECRET = "s3cret-for-the-webhook-tests"


class Receiver:
    def __init__(self, answers: list[int]) -> None:
        self.answers, self.got = answers, []  # type: list[int], list[tuple[dict[str, str], bytes]]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((dict(self.headers), body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *_a: Any) -> None:
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


def test_a_new_alert_is_posted_signed_retried_after_a_failure_and_sent_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        assert alerts.raise_server_alert(conn, "a1", "c1", "monitoring-missed", "no reading", "2026-11-29T16:00:00+00:00", notify=True)
        assert not alerts.raise_server_alert(conn, "a1", "c1", "monitoring-missed", "no reading", "2026-11-29T16:00:00+00:00", notify=True)
    hook = Receiver([503])
    try:
        assert deliver_due(engine, hook.url, SECRET) == 0  # the receiver failed: kept, due again after the backoff
        with engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.record_uuid == "a1")).one()
        assert (row.notify_state, row.notify_attempts, row.notify_error) == ("pending", 1, "HTTP 503")
        assert deliver_due(engine, hook.url, SECRET) == 0 and len(hook.got) == 1  # not before its time
        with engine.begin() as conn:
            conn.execute(update(table).values(notify_next_at="2000-01-01T00:00:00+00:00"))
        assert deliver_due(engine, hook.url, SECRET) == 1
        assert deliver_due(engine, hook.url, SECRET) == 0 and len(hook.got) == 2  # sent: never again
    finally:
        hook.http.shutdown()
    headers, body = hook.got[-1]
    expected = hmac.new(SECRET.encode(), headers[H_TIMESTAMP].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers[H_SIGNATURE] == f"sha256={expected}"
    assert json.loads(body)["kind"] == "monitoring-missed" and json.loads(body)["record_uuid"] == "a1"
    with engine.connect() as conn:
        assert conn.execute(select(table.c.notify_state).where(table.c.record_uuid == "a1")).scalar() == "sent"
    assert [backoff_s(n) for n in (1, 2, 3, 12)] == [2.0, 4.0, 8.0, 600.0]


def test_without_a_webhook_nothing_is_queued(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        alerts.raise_server_alert(conn, "a2", "c1", "clock-skew", "off", "2026-11-29T16:00:00+00:00", notify=False)
        assert conn.execute(select(table.c.notify_state).where(table.c.record_uuid == "a2")).scalar() == "none"
        assert alerts.close(conn, "a2", "李", "checked") and not alerts.close(conn, "a2", "李", "again")
        row = conn.execute(select(table).where(table.c.record_uuid == "a2")).one()
        assert (row.state, row.acked_by, row.closed_by, row.close_note) == ("closed", "李", "李", "checked")
