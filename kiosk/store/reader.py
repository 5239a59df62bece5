"""A read-only view of the kiosk database, for admins while the kiosk runs.

Readers take no writer lock (WAL lets them read beside the one writer) and never create,
migrate or change the file: a missing or uninitialised database is refused with a message.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from kiosk.store.db import Store
from kiosk.store.errors import StoreError


def open_reader(path: str | Path, *, busy_timeout_ms: int = 5000) -> Store:
    """The database at `path`, opened read-only (writes through it fail)."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"no kiosk database at {path} (nothing recorded yet, or store.data_dir points elsewhere)")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path} for reading: {exc}") from None
    db = Database(conn, execute_plugins=False)
    try:
        db.execute(f"pragma busy_timeout = {int(busy_timeout_ms)}")
        if db.execute("select count(*) from sqlite_master where name = 'device_state'").fetchone()[0] == 0:
            raise StoreError(f"{path} is not an initialised kiosk database (run the kiosk once, or `kiosk db migrate`)")
        return Store(db, path, None)
    except sqlite3.Error as exc:
        db.close()
        raise StoreError(f"cannot read {path}: {exc}") from None
    except BaseException:
        db.close()
        raise
