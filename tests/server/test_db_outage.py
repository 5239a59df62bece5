"""The database goes away under a running server: 503 with Retry-After (retry later), never a
silent loss; when it comes back the same batch is accepted."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.server.central import (
    PG_ADMIN_URL,
    batch_headers,
    create_pg_database,
    drop_pg_database,
    error_of,
    new_store,
    start_central,
)


def _take_away(name: str, to: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", [name])
        conn.execute(f'alter database "{name}" rename to "{to}"')


def test_database_outage_gives_503_then_recovers(tmp_path: Path) -> None:
    url = create_pg_database()
    name = url.rsplit("/", 1)[1]
    central = start_central(tmp_path / "central", url)
    store = new_store(tmp_path)
    try:
        kiosk = central.enrol(store)
        bid, body = kiosk.batch_body(kiosk.append(50))
        _take_away(name, name + "_away")
        try:
            resp = kiosk.post("/v1/batches", body, headers=batch_headers(bid))
            assert resp.status_code == 503 and resp.headers["Retry-After"] == "10", resp.text
            assert error_of(resp)["code"] == "unavailable"
        finally:
            _take_away(name + "_away", name)
        again = kiosk.post("/v1/batches", body, headers=batch_headers(bid))
        assert again.status_code == 200 and again.json()["acked_through_seq"] == 50, again.text
    finally:
        central.stop()
        store.close()
        drop_pg_database(url)
