"""Sessions live in the database: on PostgreSQL with two server processes, a session made by one
process is honoured by the other (many requests land on both), and sign-out ends it everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from sync.server.console.cli_users import add_community, add_user
from sync.server.db import make_engine
from tests.server.central import create_pg_database, drop_pg_database, start_central


def test_two_server_processes_share_sessions(tmp_path: Path) -> None:
    url = create_pg_database()
    central = start_central(tmp_path / "central", url, workers=2)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            add_community(conn, "east", "东区")
            add_user(conn, "wang", "staff", "a long password", ["east"])
        web = requests.Session()
        token = re.search(r'name="csrf" value="([^"]+)"', web.get(central.url + "/console/login", timeout=10).text)
        assert token is not None
        signed = web.post(central.url + "/console/login", data={"name": "wang", "password": "a long password", "csrf": token.group(1)}, timeout=30)
        assert signed.url.endswith("/console/")
        for _ in range(30):  # fresh connections: uvicorn's workers share the socket, so both answer
            fresh = requests.get(central.url + "/console/duty", cookies=web.cookies, timeout=10, allow_redirects=False)
            assert fresh.status_code == 200, fresh.status_code
        csrf = re.search(r'name="csrf" value="([^"]+)"', fresh.text)
        assert csrf is not None
        session_token = web.cookies.get("kc_session")
        assert session_token
        web.post(central.url + "/console/logout", data={"csrf": csrf.group(1)}, timeout=10)
        for _ in range(10):
            after = requests.get(central.url + "/console/duty", cookies={"kc_session": session_token}, timeout=10, allow_redirects=False)
            assert after.status_code == 303 and "/console/login" in after.headers["location"]
    finally:
        engine.dispose()
        central.stop()
        drop_pg_database(url)
