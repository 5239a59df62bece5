"""Which gates and communities an account may see. Devices carry their community through the console's
side tables: set from the enrolment code the console minted, or by an admin afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from sync.server.console.auth import Account
from sync.server.console.tables import code_communities, communities, device_communities
from sync.server.devices.tables import devices, enroll_codes


@dataclass(frozen=True)
class Community:
    community_id: str
    name: str
    mode: str


def all_communities(conn: Connection) -> list[Community]:
    return [Community(r.community_id, r.name, r.mode) for r in conn.execute(select(communities).order_by(communities.c.community_id))]


def visible_communities(conn: Connection, account: Account) -> list[Community]:
    return [c for c in all_communities(conn) if account.sees(c.community_id)]


def device_community_map(conn: Connection) -> dict[str, str]:
    """device id -> community id: an explicit assignment wins over the enrolment code's community."""
    out = {
        str(r.used_by): str(r.community_id)
        for r in conn.execute(
            select(enroll_codes.c.used_by, code_communities.c.community_id)
            .join(code_communities, code_communities.c.code_hash == enroll_codes.c.code_hash)
            .where(enroll_codes.c.used_by.is_not(None))
        )
    }
    out.update({str(r.device_id): str(r.community_id) for r in conn.execute(select(device_communities))})
    return out


@dataclass(frozen=True)
class Gate:
    device_id: str
    label: str
    community_id: str | None
    last_seen_at: str | None
    disabled: bool
    backlog: int | None
    chain_status: str
    enrolled_at: str


def visible_gates(conn: Connection, account: Account, community_id: str | None = None) -> list[Gate]:
    """The gates this account may see (admins also see gates with no community yet), optionally one community's."""
    where = device_community_map(conn)
    out = []
    for d in conn.execute(select(devices).order_by(devices.c.label, devices.c.device_id)):
        comm = where.get(d.device_id)
        if not account.sees(comm) or (community_id and comm != community_id):
            continue
        backlog = None if d.reported_last_seq is None else max(0, d.reported_last_seq - d.stored_through_seq)
        out.append(Gate(d.device_id, d.label or d.device_id, comm, d.last_seen_at, bool(d.disabled), backlog, d.chain_status, d.enrolled_at))
    return out
