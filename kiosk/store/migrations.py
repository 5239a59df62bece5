"""Versioned, forward-only schema migrations, run by sqlite-utils' `Migrations`.

Every migration is listed in `STEPS`, in order, with a unique `NNNN_topic` name; each runs once
inside a transaction together with its row in `_sqlite_migrations` (set "kiosk"). A database from
an older version is upgraded in place, never recreated; one naming a migration this version does
not know is refused (`StoreTooNew`). Numbers are grouped by area so work in parallel never
collides: 00xx foundation, 03xx verification, 05xx workflow, 06xx sync, 07xx UI.

Kiosks before sqlite-utils ran the migrations recorded them in `schema_migrations`. `migrate` moves
those names across once and leaves in their place a single marker row, a name the older kiosks do
not know: an older kiosk therefore still refuses a database a newer one has opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlite_utils import Database, Migrations
from sync.protocol.clock import utc_iso

from kiosk.store import schema, sync_schema, workflow_schema
from kiosk.store.errors import StoreTooNew

LEGACY_TABLE = "schema_migrations"
MOVED_MARKER = "9999_recorded_in__sqlite_migrations"


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


def _script(sql: str) -> Callable[[Database], None]:
    def run(db: Database) -> None:
        execute_script(db, sql)

    return run


def _people_masked_id_index(db: Database) -> None:
    """A scanned code is matched to the roster by its masked ID (kiosk.service.holder)."""
    db.execute("create index if not exists people_kind_id_masked on people (kind, id_masked)")


STEPS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_initial", _script(schema.INITIAL)),
    ("0002_shared_tables", _script(schema.SHARED_TABLES)),
    ("0501_workflow", _script(workflow_schema.WORKFLOW)),
    ("0511_people_masked_id_index", _people_masked_id_index),
    ("0601_alert_lane_isolation", _script(sync_schema.LANE_SCHEMA)),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)

KIOSK_MIGRATIONS = Migrations("kiosk")
for _name, _fn in STEPS:
    KIOSK_MIGRATIONS(name=_name)(_fn)


def _legacy_names(db: Database) -> list[str]:
    if LEGACY_TABLE not in db.table_names():
        return []
    rows = db.execute("select name from schema_migrations where name != ? order by name", [MOVED_MARKER])
    return [r[0] for r in rows]


def applied(db: Database) -> list[str]:
    """The names applied to this database, oldest first (read only: safe on a read-only connection)."""
    names = _legacy_names(db)
    names += [m.name for m in KIOSK_MIGRATIONS.applied(db) if m.name not in names]
    return names


def pending(db: Database) -> list[str]:
    done = set(applied(db))
    unknown = done - set(NAMES)
    if unknown:
        raise StoreTooNew(
            f"the database was written by a newer kiosk version (unknown migrations: "
            f"{', '.join(sorted(unknown))}); refusing to touch it"
        )
    return [n for n in NAMES if n not in done]


def _move_legacy_records(db: Database) -> None:
    """Carry the old runner's records into `_sqlite_migrations`; leave the marker for older kiosks."""
    if LEGACY_TABLE in db.table_names() and not _legacy_names(db) and db.execute(
        "select 1 from schema_migrations where name = ?", [MOVED_MARKER]
    ).fetchone():
        return
    with db.atomic():
        KIOSK_MIGRATIONS.ensure_migrations_table(db)
        db.execute("create table if not exists schema_migrations (name text primary key, applied_at text not null)")
        legacy = db.execute("select name, applied_at from schema_migrations where name != ? order by name", [MOVED_MARKER])
        db.table(KIOSK_MIGRATIONS.migrations_table).insert_all(
            ({"migration_set": KIOSK_MIGRATIONS.name, "name": name, "applied_at": at} for name, at in legacy.fetchall()),
            ignore=True,
        )
        db.execute("delete from schema_migrations")
        db.execute("insert into schema_migrations (name, applied_at) values (?, ?)", [MOVED_MARKER, utc_iso()])


def migrate(db: Database) -> list[str]:
    """Apply every pending migration, each in its own transaction. Returns their names."""
    todo = pending(db)
    _move_legacy_records(db)
    KIOSK_MIGRATIONS.apply(db)
    return todo
