"""Shared fixtures: a real SQLite store in a temp folder, the shared test data, artifacts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Config, load_config
from kiosk.store.db import Store, open_store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository (never copied into it)."""
    assert (SHARED / "testdata").is_dir(), f"shared test data not found at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("KIOSK_TEST_ARTIFACTS", REPO / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    """The default settings, with the data folder in a temp dir; no KIOSK_* leaks in."""
    env = {"KIOSK_STORE_DATA_DIR": str(tmp_path / "data")}
    return load_config(env=env)


@pytest.fixture
def store(cfg: Config) -> Iterator[Store]:
    s = open_store(cfg.db_path)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty central-server database of the test's own, on each backend (PostgreSQL: a throwaway database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    from tests.server.central import create_pg_database, drop_pg_database

    pg = create_pg_database()
    yield pg
    drop_pg_database(pg)
