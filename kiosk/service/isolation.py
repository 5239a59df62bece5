"""Home isolation at the gate: is this person on the list in force today?

The list comes in the bundle (sync/puller.py writes `home_isolation`) as the community-keyed look-up
hash of the ID number, the roster entry's uuid and masked forms. An entry is in force from its start
through its end date (local dates): past the end a kiosk lifts it by itself, even when it has been
offline since, because the date it holds says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.store.vault import Vault


@dataclass(frozen=True)
class Isolation:
    name_masked: str
    id_masked: str
    address: str
    start: str
    end: str


def isolation_for(db: Any, vault: Vault, today: dt.date, *, person_uuid: str | None = None,
                  id_number: str | None = None) -> Isolation | None:
    """The entry in force today for the roster person or the typed ID number, else None."""
    hashes = [vault.roster_hash("id", id_number) or ""] if id_number else []
    if person_uuid:  # a roster person: by the entry, or by the ID number the bundle hashed for them
        row = db.execute("select id_hash from people where uuid = ?", [person_uuid]).fetchone()
        if row and row[0]:
            hashes.append(row[0])
    clauses, args = [], []
    if person_uuid:
        clauses.append("person_uuid = ?")
        args.append(person_uuid)
    if any(hashes):
        clauses.append(f"id_hash in ({','.join('?' * len(hashes))})")
        args.extend(hashes)
    if not clauses:
        return None
    day = today.isoformat()
    row = db.execute(
        f"select name_masked, id_masked, building, unit, room, start_date, end_date from home_isolation"  # noqa: S608
        f" where ({' or '.join(clauses)}) and start_date <= ? and end_date >= ? order by end_date desc limit 1",
        [*args, day, day],
    ).fetchone()
    if row is None:
        return None
    return Isolation(row[0], row[1], "-".join(x for x in row[2:5] if x), row[5], row[6])
