"""Local SQLite store: one writer, atomic steps, versioned forward-only migrations."""

from kiosk.store.db import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
