"""Engines, the schema's one MetaData and its upgrades for the central server (SQLite file by default,
PostgreSQL in production).

Each concern's tables module (sync/server/<concern>/tables.py) declares its tables on `metadata`;
sync/server/tables.py imports every one of them, so whoever needs the whole schema (Alembic's env)
imports that module and misses none."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, MetaData, create_engine, event, inspect

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0012"  # the newest file in migrations/versions (a test keeps them in step)

metadata = MetaData()  # every table of the server (sync/server/tables.py imports them all)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def private_sqlite_file(path: Path) -> None:
    """The database file (and its -wal/-shm, which SQLite creates with the file's mode) 0600; a folder
    we create 0700. An existing file is narrowed too: the roster and the sync log are personal data."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    # Never open() an existing database file: closing that descriptor would drop this process's
    # SQLite (POSIX) locks on it, and another process could then delete the WAL under us.
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            os.chmod(name, 0o600)


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """One engine per process. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE (writers queue, never deadlock).
    PostgreSQL keeps `pool_size` connections open (size it to the requests a worker runs at once: a connection
    opened per request costs PostgreSQL a new backend process) and lends a few more for bursts."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            private_sqlite_file(Path(url.removeprefix("sqlite:///")))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own is deferred)
            cur = dbapi_conn.cursor()
            cur.execute("pragma journal_mode = wal")
            cur.execute("pragma synchronous = full")
            cur.execute("pragma busy_timeout = 30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_size=pool_size, max_overflow=max(2, pool_size // 4), pool_pre_ping=True)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")


def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # imported late: read-only CLI commands start faster

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("select version_num from alembic_version").scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent; safe for several workers on PostgreSQL)."""
    if current_revision(engine) == HEAD_REVISION:
        return  # the common case: skip importing Alembic (a CLI command starts faster)
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("select pg_advisory_xact_lock(60601)")  # one migrator at a time
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def head_revision() -> str | None:
    """Alembic's own idea of the head (used by the test that keeps HEAD_REVISION honest)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
