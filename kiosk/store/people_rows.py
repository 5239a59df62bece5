"""`people` rows: the one function that inserts and updates them.

Two writers feed it: the service (visitors, the CSV roster import; kiosk/service/people.py
encrypts and hashes the numbers first) and the bundle puller (sync/puller.py: residents as the
central server's look-up hashes and masked forms). Neither writes the table with its own SQL,
so a column added here reaches both. Deleting rows stays with the rule that decides it (the
bundle's roster, retention).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

# Every column a writer may set (`id` is SQLite's own).
COLUMNS = frozenset({
    "uuid", "kind", "name", "id_type", "id_cipher", "id_hash", "id_masked", "phone_cipher", "phone_hash",
    "phone_masked", "building", "unit", "room", "origin_region", "key_groups", "source", "created_at", "updated_at",
})
# Kept as first written when a row is updated.
_NEVER_UPDATED = frozenset({"uuid", "created_at"})


def key_groups_json(groups: Iterable[str]) -> str:
    """The key-group flags as the table holds them: sorted JSON, each flag once."""
    return json.dumps(sorted(set(groups)))


def put_people(db: Any, rows: Sequence[Mapping[str, Any]], *, keep: Collection[str] = ()) -> None:
    """Insert each row, or update the row with its uuid (inside the caller's transaction).

    Every row names the same columns (`uuid`, `created_at` and `updated_at` among them). An
    update sets each of them except uuid, created_at and those in `keep`; columns a row does
    not name are left as they are (or take their default on insert).
    """
    if not rows:
        return
    cols = list(rows[0])
    unknown = set(cols) - COLUMNS
    if unknown or not {"uuid", "created_at", "updated_at"} <= set(cols):
        raise ValueError(f"people rows need uuid, created_at and updated_at and only its columns; got {sorted(cols)}")
    updated = [c for c in cols if c not in _NEVER_UPDATED and c not in keep]
    # Column names come from COLUMNS above, never from input.
    sql = (
        f"insert into people ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "  # noqa: S608
        f"on conflict (uuid) do update set {', '.join(f'{c} = excluded.{c}' for c in updated)}"
    )
    db.conn.executemany(sql, [[row[c] for c in cols] for row in rows])
