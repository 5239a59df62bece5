"""Only `serve`, `migrate` and `init` create a server; every other command needs one that exists.

A read-only command with a typo in --db or run in the wrong folder must not quietly make a
new database, admin token and signing keys: it is refused with what was looked for.
"""

from __future__ import annotations

from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from sync.server.settings import ServerSettings, SettingsError

CREATING_COMMANDS = frozenset({"serve", "migrate", "init"})


class MissingServer(SettingsError):
    """No server at the given data folder / database (exit 2)."""


def require_existing(settings: ServerSettings) -> None:
    hint = "create one with `kiosk-central init` (or check --data-dir / --db / KIOSK_CENTRAL_*)"
    if not settings.data_dir.is_dir():
        raise MissingServer(f"no server data folder at {settings.data_dir.resolve()}; {hint}")
    url = settings.db_url
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        from pathlib import Path

        if not Path(path).is_file():
            raise MissingServer(f"no server database at {path}; {hint}")
    engine = create_engine(url)  # a plain engine: make_engine would create the SQLite folder
    try:
        with engine.connect() as conn:
            initialised = inspect(conn).has_table("alembic_version")
    except SQLAlchemyError as exc:
        raise MissingServer(f"cannot open the server database {engine.url.render_as_string(hide_password=True)}: "
                            f"{str(exc).splitlines()[0]}; {hint}") from None
    finally:
        engine.dispose()
    if not initialised:
        raise MissingServer(f"{engine.url.render_as_string(hide_password=True)} holds no kiosk-central schema; {hint}")
