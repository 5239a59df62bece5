"""Home isolation (居家隔离医学观察) on the server: the list, and its part of each gate's bundle.

A person is placed by roster entry or by ID number (sealed at rest like the roster's), with an address,
a start and end date (the last day), a reason and who placed it. Kiosks get only the community-keyed
look-up hash of the ID number, the roster entry's uuid and masked forms; entries that ended (early, by
staff, or by running past their end date) drop out of the next bundle.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Connection, select, update

from sync.common.identity import normalise_number
from sync.common.masking import mask_id, mask_name
from sync.protocol import roster_lookup_hash
from sync.server.alerts.tables import home_isolation
from sync.server.lists import bundles
from sync.server.lists.tables import roster


class IsolationError(ValueError):
    pass


def place(conn: Connection, key: Fernet, *, community: str, start: date, end: date, reason: str, placed_by: str, now_iso: str,
          roster_uuid: str = "", id_number: str = "", name: str = "", building: str = "", unit: str = "", room: str = "") -> int:
    """Put a person on the list (the caller validated the ID number); returns the entry's id."""
    if end < start:
        raise IsolationError(f"end date {end} is before start date {start}")
    if not reason.strip():
        raise IsolationError("reason: say why (e.g. 'arrived from a high-risk area')")
    if not placed_by.strip():
        raise IsolationError("by: name who places the person under isolation")
    if roster_uuid:
        row = conn.execute(select(roster).where(roster.c.uuid == roster_uuid)).first()
        if row is None:
            raise IsolationError(f"no resident {roster_uuid!r} on the roster")
        name, building, unit, room = name or row.name, building or row.building, unit or row.unit, room or row.room
        id_number = id_number or bundles.unseal(key, row.id_number)
    if not roster_uuid and not id_number:
        raise IsolationError("name the person: --resident UUID (on the roster) or --id-number")
    result = conn.execute(home_isolation.insert().values(
        community=community, roster_uuid=roster_uuid, id_number=bundles.seal(key, normalise_number(id_number)), name=name.strip(),
        building=building.strip(), unit=unit.strip(), room=room.strip(), start_date=start.isoformat(), end_date=end.isoformat(),
        reason=reason.strip(), placed_by=placed_by.strip(), placed_at=now_iso,
    ))
    bundles.touch(conn, now_iso)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def end(conn: Connection, entry_id: int, by: str, note: str, now_iso: str) -> bool:
    """End an isolation early (staff's decision); the next bundle lifts it."""
    if not by.strip():
        raise IsolationError("by: name who ends the isolation")
    done = conn.execute(update(home_isolation).where(home_isolation.c.id == entry_id, home_isolation.c.ended_at.is_(None))
                        .values(ended_at=now_iso, ended_by=by.strip(), end_note=note.strip())).rowcount == 1
    if done:
        bundles.touch(conn, now_iso)
    return done


def in_force(conn: Connection, community: str | None, today: date) -> list[Any]:
    q = select(home_isolation).where(home_isolation.c.ended_at.is_(None), home_isolation.c.end_date >= today.isoformat())
    if community is not None:
        q = q.where(home_isolation.c.community == community)
    return list(conn.execute(q.order_by(home_isolation.c.id)))


def listing(conn: Connection, key: Fernet, community: str | None, today: date, everything: bool = False) -> list[dict[str, Any]]:
    """Entries (masked), those in force today unless `everything`."""
    rows: list[Any] = in_force(conn, community, today)
    if everything:
        rows = [r for r in conn.execute(select(home_isolation).order_by(home_isolation.c.id))]
    out = []
    for r in rows:
        if community is not None and r.community != community:
            continue
        state = "ended" if r.ended_at else ("over" if r.end_date < today.isoformat() else
                                             "in force" if r.start_date <= today.isoformat() else "upcoming")
        out.append({"id": r.id, "community": r.community, "name_masked": mask_name(r.name), "id_masked": mask_id(bundles.unseal(key, r.id_number)),
                    "roster_uuid": r.roster_uuid, "address": "-".join(x for x in (r.building, r.unit, r.room) if x),
                    "start": r.start_date, "end": r.end_date, "reason": r.reason, "placed_by": r.placed_by, "placed_at": r.placed_at,
                    "state": state, "ended_by": r.ended_by, "end_note": r.end_note})
    return out


def bundle_entries(conn: Connection, key: Fernet, lookup_key: bytes, community: str, today: date) -> list[dict[str, Any]]:
    """The community's entries not over yet, as its gates may hold them (hash + masked forms)."""
    out = []
    for r in in_force(conn, community, today):
        number = bundles.unseal(key, r.id_number)
        out.append({"id_hash": roster_lookup_hash(lookup_key, "id", number) if number else "", "person_uuid": r.roster_uuid,
                    "name_masked": mask_name(r.name), "id_masked": mask_id(number), "building": r.building, "unit": r.unit,
                    "room": r.room, "start": r.start_date, "end": r.end_date})
    return out
