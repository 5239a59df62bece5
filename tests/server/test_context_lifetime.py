"""Whoever opens the server's context closes it: the app when it stops, a CLI run when its command
returns. Checked on PostgreSQL, where an open pool shows as sessions on the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
import uvicorn

from sync.server.app import create_app
from sync.server.settings import from_env
from tests.server.central import PG_ADMIN_URL, create_pg_database, drop_pg_database, free_port, run_cli


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def sessions_on(url: str) -> int:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("select count(*) from pg_stat_activity where datname = %s", (url.rsplit("/", 1)[1],)).fetchone()
    return int(row[0]) if row else 0


def test_the_app_closes_its_database_sessions_when_it_stops(fresh_pg: str, tmp_path: Path) -> None:
    app = create_app(from_env({}, data_dir=tmp_path, db=fresh_pg))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        assert requests.get(f"http://127.0.0.1:{port}/v1/time", timeout=10).status_code == 200  # the address's rate window: a query
        assert sessions_on(fresh_pg) >= 1, "the running app holds pooled sessions"
    finally:
        server.should_exit = True
        thread.join(20)
    assert not thread.is_alive()
    assert sessions_on(fresh_pg) == 0, "the app left its pool open after it stopped"


def test_a_cli_run_leaves_no_session_open(fresh_pg: str, tmp_path: Path) -> None:
    run_cli(tmp_path, fresh_pg, "init")
    run_cli(tmp_path, fresh_pg, "device", "add", "--label", "East")  # opens the context inside the command (cli.open_context)
    assert "East" not in run_cli(tmp_path, fresh_pg, "device", "list").stderr
    assert sessions_on(fresh_pg) == 0
