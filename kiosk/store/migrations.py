"""Versioned, forward-only schema migrations.

Each migration has a unique name, sorted by its number prefix, and runs once inside a
transaction; the applied names are kept in `schema_migrations`. A database from an older
version is upgraded in place, never recreated. Numbers are grouped by area so work in
parallel never collides: 00xx foundation, 03xx verification, 05xx workflow, 06xx sync,
07xx UI.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

from kiosk.store.errors import StoreTooNew

Migration = tuple[str, Callable[[Database], None]]

MIGRATIONS: list[Migration] = []


def migration(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    def register(fn: Callable[[Database], None]) -> Callable[[Database], None]:
        if any(n == name for n, _ in MIGRATIONS):
            raise ValueError(f"duplicate migration {name}")
        MIGRATIONS.append((name, fn))
        MIGRATIONS.sort(key=lambda m: m[0])
        return fn

    return register


def applied(db: Database) -> list[str]:
    if "schema_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("select name from schema_migrations order by name")]


def pending(db: Database) -> list[str]:
    done = set(applied(db))
    unknown = done - {n for n, _ in MIGRATIONS}
    if unknown:
        raise StoreTooNew(
            f"the database was written by a newer kiosk version (unknown migrations: "
            f"{', '.join(sorted(unknown))}); refusing to touch it"
        )
    return [n for n, _ in MIGRATIONS if n not in done]


def migrate(db: Database) -> list[str]:
    """Apply every pending migration, each in its own transaction. Returns their names."""
    from kiosk.store import schema  # noqa: F401  (registers the migrations)

    todo = pending(db)
    for name in todo:
        fn = dict(MIGRATIONS)[name]
        with db.atomic():
            db.execute(
                "create table if not exists schema_migrations (name text primary key, applied_at text not null)"
            )
            fn(db)
            db.execute(
                "insert into schema_migrations (name, applied_at) values (?, ?)",
                [name, datetime.now(UTC).isoformat()],
            )
    return todo


def execute_script(db: Database, sql: str) -> None:
    """Run several statements inside the caller's transaction (executescript would commit)."""
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            db.execute(buf)
            buf = ""
    if buf.strip() and not all(ln.strip().startswith("--") for ln in buf.splitlines() if ln.strip()):
        raise sqlite3.OperationalError(f"incomplete SQL statement: {buf.strip()[:80]}")
