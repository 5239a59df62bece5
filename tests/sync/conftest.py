"""The real kiosk-central (SQLite file, and PostgreSQL with 2 workers) in a subprocess, a
fault proxy in front of it, and kiosks built from the real settings, store and factory."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from kiosk.config import Config, load_config
from kiosk.store.db import Store, open_store
from sync.client import Uploader
from sync.credentials import Credentials
from sync.factory import make_link, make_uploader
from sync.protocol.chain import verify_chain
from sync.provision import provision
from sync.server.db import make_engine
from sync.server.devices.enrol import new_enrol_code
from sync.server.devices.tables import devices
from sync.server.lists import bundles, registry
from sync.server.lists.tables import risk_areas as server_risk_areas
from sync.server.lists.tables import roster
from sync.server.records.tables import records
from tests.server.central import Central, create_pg_database, drop_pg_database, start_central
from tests.sync.faultproxy import FaultProxy

# Small, fast settings for the tests: tiny batches, quick backoff, short timeout.
FAST = {
    "KIOSK_SYNC_BATCH_MAX_RECORDS": "20",
    "KIOSK_SYNC_BACKOFF_BASE_S": "0.02",
    "KIOSK_SYNC_BACKOFF_CAP_S": "0.3",
    "KIOSK_SYNC_TIMEOUT_S": "1.0",
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Server:
    central: Central
    engine: Engine
    backend: str

    def enrol_code(self) -> str:
        with self.engine.begin() as conn:
            return new_enrol_code(conn, "test gate", 1)[0]

    def rows(self, device_id: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    select(records.c.seq, records.c.uuid, records.c.kind, records.c.created_at, records.c.body,
                           records.c.prev_hash, records.c.hash)
                    .where(records.c.device_id == device_id)
                    .order_by(records.c.seq)
                )
            ]

    # The admin's changes, made in-process with the server's own modules (its CLI takes seconds to start).
    def add_resident(self, **person: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(roster.insert().values(uuid=str(uuid.uuid4()), **person))
            bundles.touch(conn, _now())

    def set_risk(self, region_code: str, level: str | None, since: str = "2026-11-20") -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(server_risk_areas).where(server_risk_areas.c.region_code == region_code))
            if level:
                conn.execute(server_risk_areas.insert().values(region_code=region_code, level=level, since=since))
            bundles.touch(conn, _now())

    def set_mode(self, mode: str) -> None:
        with self.engine.begin() as conn:
            bundles.set_mode(conn, mode, _now())

    def issue_token(self, name: str, id_number: str, colour: str) -> str:
        with self.engine.begin() as conn:
            issued = registry.issue_token(
                conn, self.central.data_dir, self.central.url, name=name, id_number=id_number, colour=colour,
                now_iso=datetime.now(UTC).isoformat(timespec="milliseconds"),
            )
        return issued.qr_text

    def device(self, device_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(devices).where(devices.c.device_id == device_id)).one()


@pytest.fixture(scope="session")
def sync_pg_url() -> Iterator[str]:
    url = create_pg_database()  # fails, never skips, when PostgreSQL cannot be reached
    yield url
    drop_pg_database(url)


def _start(backend: str, data_dir: Path, pg_url: str | None, port: int | None = None) -> Central:
    if backend == "sqlite":
        return start_central(data_dir, f"sqlite:///{data_dir / 'central.db'}", port=port)
    assert pg_url is not None
    return start_central(data_dir, pg_url, workers=2, port=port)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp(f"sync-central-{request.param}")
    pg = request.getfixturevalue("sync_pg_url") if request.param == "postgresql" else None
    central = _start(request.param, data_dir, pg)
    engine = make_engine(central.db_url)
    yield Server(central, engine, request.param)
    engine.dispose()
    central.stop()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own (it may be killed and restarted)."""
    data_dir = tmp_path / "central"
    central = _start("sqlite", data_dir, None)
    engine = make_engine(central.db_url)
    yield Server(central, engine, "sqlite")
    engine.dispose()
    central.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own on either backend (it may be killed and restarted)."""
    pg = create_pg_database() if request.param == "postgresql" else None
    central = _start(request.param, tmp_path / "central", pg)
    engine = make_engine(central.db_url)
    srv = Server(central, engine, request.param)
    yield srv
    engine.dispose()
    srv.central.stop()
    if pg:
        drop_pg_database(pg)


@dataclass
class KioskUnderTest:
    cfg: Config
    store: Store
    creds: Credentials
    proxy: FaultProxy

    def fill(self, n: int, kind: str = "gate_entry", pad: str = "") -> None:
        with self.store.writing() as w:
            for i in range(n):
                w.append(kind, {"i": i, "outcome": "pass", "temperature_c": 36.5, "pad": pad})

    def uploader(self, **clock: Any) -> Uploader:
        link = make_link(self.cfg, self.creds, self.store, **clock)
        return make_uploader(self.cfg, self.store, link)

    def journal(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.store.db.execute(
            "select seq, uuid, kind, created_at, body, prev_hash, hash from journal order by seq"
        ).fetchall()]

    def outbox_states(self) -> dict[str, int]:
        return dict(self.store.db.execute("select state, count(*) from outbox group by state").fetchall())

    def log_statuses(self) -> list[int | None]:
        return [r[0] for r in self.store.db.execute("select http_status from sync_log where direction = 'upload' order by id")]


def make_kiosk(srv: Server, tmp_path: Path, extra_env: dict[str, str] | None = None) -> KioskUnderTest:
    proxy = FaultProxy(int(srv.central.url.rsplit(":", 1)[1]))
    env = {"KIOSK_STORE_DATA_DIR": str(tmp_path / "kiosk"), **FAST, "KIOSK_SYNC_SERVER_URL": proxy.url, **(extra_env or {})}
    cfg = load_config(env=env)
    store = open_store(cfg.db_path)
    creds, _ = provision(store, cfg.data_dir, srv.central.url, srv.enrol_code())
    return KioskUnderTest(cfg, store, creds, proxy)


@pytest.fixture
def kiosk(server: Server, tmp_path: Path) -> Iterator[KioskUnderTest]:
    k = make_kiosk(server, tmp_path)
    yield k
    k.proxy.close()
    k.store.close()


def assert_exactly_once_and_chained(srv: Server, k: KioskUnderTest) -> None:
    """Every record the kiosk committed is on the server exactly once, and its chain verifies there."""
    local = k.journal()
    remote = srv.rows(k.creds.device_id)
    assert len(remote) == len(local), f"server holds {len(remote)} records, the kiosk committed {len(local)}"
    assert remote == local, "the server's copy differs from the kiosk's records"
    assert len({r[1] for r in remote}) == len(remote)
    last_seq, _, problem = verify_chain(k.store.device_id, remote)  # hashed under the kiosk's journal id
    assert problem is None and last_seq == local[-1][0]
    dev = srv.device(k.creds.device_id)
    assert (dev.chain_status, dev.stored_through_seq, dev.verified_through_seq) == ("ok", last_seq, last_seq)
    assert k.outbox_states() == {"sent": len(local)}
