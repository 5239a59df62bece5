"""More than one server: two `kiosk-central serve` processes on different ports share one PostgreSQL
database (and the same secrets folder, as two machines behind a load balancer would). Kiosks, running
the real sync client, are spread over both and fail over from one to the other; a request replayed
to the other server is refused; every record is stored exactly once and every chain verifies."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from sync.protocol import PATH_BATCHES, encode_batch, sign_request
from sync.server.db import make_engine
from sync.server.devices.tables import nonces
from sync.server.records.tables import batches, records
from tests.server.central import batch_headers, create_pg_database, drop_pg_database, start_central
from tests.sync.conftest import KioskUnderTest, Server, assert_exactly_once_and_chained, make_kiosk
from tests.sync.faultproxy import Fault


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    url = create_pg_database()
    first = start_central(tmp_path / "a", url)
    (tmp_path / "b").mkdir()
    shutil.copytree(tmp_path / "a" / "secrets", tmp_path / "b" / "secrets")  # one deployment, one set of keys
    second = start_central(tmp_path / "b", url)
    engine = make_engine(url)
    try:
        yield Server(first, engine, "postgresql"), Server(second, engine, "postgresql")
    finally:
        first.stop()
        second.stop()
        engine.dispose()
        drop_pg_database(url)


def _port(srv: Server) -> int:
    return int(srv.central.url.rsplit(":", 1)[1])


def _raw_batch(k: KioskUnderTest, first_seq: int, n: int) -> tuple[dict[str, str], bytes]:
    """A signed batch request of the kiosk's next journal records, as bytes we can send twice."""
    rows = k.store.db.execute(
        "select uuid, seq, kind, created_at, body, prev_hash, hash from journal where seq between ? and ? order by seq",
        (first_seq, first_seq + n - 1),
    ).fetchall()
    recs = [dict(zip(("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash"), r, strict=True)) for r in rows]
    bid = str(uuid.uuid4())
    body = encode_batch(k.creds.device_id, bid, recs)
    return {**batch_headers(bid), **sign_request(k.creds.device_id, k.creds.device_secret, "POST", PATH_BATCHES, body)}, body


def test_kiosks_spread_over_two_servers_store_each_record_once(two_servers: tuple[Server, Server], tmp_path: Path) -> None:
    a, b = two_servers
    assert a.central.url != b.central.url
    kiosks = [make_kiosk(a if i % 2 == 0 else b, tmp_path / f"k{i}") for i in range(6)]
    try:
        for k in kiosks:
            k.fill(60)

        # Half of each kiosk's records through its own server, all six at once.
        def drain(k: KioskUnderTest, errors: list[str]) -> None:
            try:
                left = k.uploader().drain(max_wait_s=10)
                if left:
                    errors.append(f"{k.creds.device_id}: {left} records left")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(exc))

        errors: list[str] = []
        threads = [threading.Thread(target=drain, args=(k, errors)) for k in kiosks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []

        # Every kiosk fails over to the other server: the first answer is lost after server one committed,
        # the retry (signed afresh) goes to server two, which knows the batch and stores nothing twice.
        for i, k in enumerate(kiosks):
            k.fill(40)
            k.proxy.push(Fault("lose_response"))
            up = k.uploader()
            up.drain(max_wait_s=0)  # the lost answer: the batch waits for its retry
            k.proxy.upstream_port = _port(b if i % 2 == 0 else a)
            assert up.drain(max_wait_s=10) == 0
        for k in kiosks:
            srv = a  # one database: either server's view is the same
            assert_exactly_once_and_chained(srv, k)
            log = k.store.db.execute("select http_status from sync_log where direction = 'upload' order by id").fetchall()
            assert None in [r[0] for r in log], "the lost answer is in the kiosk's sync log"

        # A request seen by one server is refused by the other (the nonce lives in the database).
        k = kiosks[0]
        k.fill(5)
        hdrs, body = _raw_batch(k, 101, 5)
        first = requests.post(a.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)
        assert first.status_code == 200 and first.json()["stored"] == 5, first.text
        replay = requests.post(b.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)
        assert replay.status_code == 401 and replay.json()["error"]["code"] == "replayed", replay.text
        hdrs, body = _raw_batch(k, 101, 5)  # and the other way round (same records: a retry, stored 0)
        assert requests.post(b.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10).json()["stored"] == 0
        again = requests.post(a.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=10)
        assert again.status_code == 401 and again.json()["error"]["code"] == "replayed", again.text

        # The same batch sent to both servers at the same moment (each signed afresh): stored once.
        k = kiosks[1]
        k.fill(30)
        bid = str(uuid.uuid4())
        rows = k.store.db.execute("select uuid, seq, kind, created_at, body, prev_hash, hash from journal where seq > 100 order by seq").fetchall()
        body = encode_batch(k.creds.device_id, bid, [dict(zip(("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash"), r, strict=True)) for r in rows])
        answers: list[requests.Response] = []

        def send(srv: Server) -> None:
            hdrs = {**batch_headers(bid), **sign_request(k.creds.device_id, k.creds.device_secret, "POST", PATH_BATCHES, body)}
            answers.append(requests.post(srv.central.url + PATH_BATCHES, data=body, headers=hdrs, timeout=30))

        pair = [threading.Thread(target=send, args=(s,)) for s in (a, b)]
        for t in pair:
            t.start()
        for t in pair:
            t.join(30)
        assert sorted(r.status_code for r in answers) == [200, 200], [r.text for r in answers]
        assert sorted(r.json()["stored"] for r in answers) == [0, 30]

        with a.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(records)).scalar()
            distinct = conn.execute(select(func.count(func.distinct(records.c.uuid))).select_from(records)).scalar()
            assert conn.execute(select(func.count()).select_from(batches).where(batches.c.batch_id == bid)).scalar() == 1
            assert conn.execute(select(func.count()).select_from(nonces)).scalar() > 0
        assert total == distinct == 6 * 100 + 5 + 30
    finally:
        for k in kiosks:
            k.proxy.close()
            k.store.close()
