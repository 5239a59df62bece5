"""The real server, once per backend per test session: SQLite file and PostgreSQL (2 workers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.central import Central, create_pg_database, drop_pg_database, new_store, start_central
from tests.server.central import Kiosk as Kiosk


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def central(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    data_dir = tmp_path_factory.mktemp(f"central-{request.param}")
    if request.param == "sqlite":
        server = start_central(data_dir, f"sqlite:///{data_dir / 'central.db'}")
    else:
        server = start_central(data_dir, request.getfixturevalue("pg_url"), workers=2)
    yield server
    server.stop()


@pytest.fixture
def kiosk(central: Central, tmp_path: Path) -> Iterator[Kiosk]:
    store = new_store(tmp_path)
    k = central.enrol(store)
    yield k
    k.session.close()
    store.close()
