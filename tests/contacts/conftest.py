"""The sync tests' real servers (SQLite and PostgreSQL) and kiosks, reused here."""

from tests.sync.conftest import server, sync_pg_url  # noqa: F401 (fixtures)
