"""Every answer carries the server's time, and a fault inside a route is a JSON protocol error: 503 with
Retry-After when the database is unreachable, 500 for anything else, never a bare page (app.ServerTimeAndErrors)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from sync.protocol import H_SERVER_TIME
from sync.server.app import create_app
from sync.server.settings import from_env


def _get(app: Any, path: str) -> tuple[int, dict[str, list[str]], dict[str, Any]]:
    """One GET through the whole ASGI stack, as uvicorn would call it: (status, headers, JSON body)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 80)}
    # on a thread of its own: an earlier test may leave an event loop running on this one
    runner = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
    runner.start()
    runner.join(30)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        headers.setdefault(k.decode().lower(), []).append(v.decode())
    return start["status"], headers, json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


def test_faults_become_protocol_errors_with_the_server_time(tmp_path: Path) -> None:
    app = create_app(from_env(data_dir=tmp_path / "central", db=f"sqlite:///{tmp_path / 'central.db'}"))

    @app.get("/v1/test-bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    @app.get("/v1/test-db-down")
    def db_down() -> None:
        raise OperationalError("select 1", {}, ConnectionRefusedError("connection refused"))

    try:
        answers = {path: _get(app, path) for path in ("/v1/time", "/v1/test-bug", "/v1/test-db-down", "/v1/nothing-here")}
    finally:
        app.state.monitoring_check.stop()
        app.state.services.ctx.close()
    fine, bug_answer, down, missing = answers.values()
    assert fine[0] == 200 and "server_time" in fine[2]
    assert bug_answer[0] == 500 and bug_answer[2]["error"]["code"] == "server-error"
    assert "RuntimeError" in bug_answer[2]["error"]["message"] and "a bug" not in json.dumps(bug_answer[2])  # no internals
    assert down[0] == 503 and down[1]["retry-after"] == ["10"] and down[2]["error"]["code"] == "unavailable"
    assert missing[0] == 404 and missing[2]["error"]["code"] == "not-found"
    for _, headers, _ in answers.values():
        assert len(headers[H_SERVER_TIME.lower()]) == 1 and headers[H_SERVER_TIME.lower()][0].startswith("20"), headers
