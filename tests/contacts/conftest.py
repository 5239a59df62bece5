"""The sync tests' real servers (SQLite and PostgreSQL) and kiosks, reused here; and a server context of
a test's own on either backend, for the look-ups run in-process."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.context import ServerContext
from sync.server.settings import from_env
from tests.server.central import create_pg_database, drop_pg_database
from tests.sync.conftest import server, sync_pg_url  # noqa: F401 (fixtures)


@pytest.fixture(params=["sqlite", "postgresql"])
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerContext]:
    pg = create_pg_database() if request.param == "postgresql" else None
    context = ServerContext.open(from_env(data_dir=tmp_path / "central", db=pg or f"sqlite:///{tmp_path / 'central.db'}"))
    yield context
    context.close()
    if pg:
        drop_pg_database(pg)
