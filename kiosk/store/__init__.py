"""Local SQLite store: one writer, atomic steps, versioned forward-only migrations.

Import from the submodules (`kiosk.store.db`, `kiosk.store.errors`): this package stays
empty so that `kiosk.store.errors` costs nothing to import in fast commands.
"""
