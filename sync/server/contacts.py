"""Close-contact tracing (密接/次密接排查) over the `passes` projection.

Close contacts (depth 1): everyone who passed the same gate, either direction, within ±window of any
pass of the person in [start, end]. Secondary (depth 2): everyone within the window of a close
contact's passes (in the same period) at the same gate, less the person and the close contacts.
Each level is ONE self-join whose inner side is an index range scan on passes(gate, at_ms), driven
by passes(person_hash, at_ms) for the anchors (EXPLAIN in docs/benchmarks.md). People are matched
by their community look-up hash, so the query runs once per community the person can be hashed in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from kiosk.domain.masking import mask_id, mask_name
from sqlalchemy import Connection, and_, bindparam, select, true

from sync.protocol import roster_lookup_hash
from sync.server.console.audit import audit
from sync.server.device_secrets import community_lookup_key
from sync.server.identity import unseal_id
from sync.server.tables import devices, passes, roster


@dataclass(frozen=True)
class ContactQuery:
    id_number: str  # normalised (validated by the caller)
    start_ms: int
    end_ms: int
    window_ms: int = 15 * 60_000
    depth: int = 1
    full: bool = False
    lateral: bool = False  # PostgreSQL: set by find_contacts from the dialect


@dataclass(frozen=True)
class Keys:
    lookup_master: bytes
    identity_private: bytes
    data_key: Fernet


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _around(anchor_hashes: list[str], q: ContactQuery, *, identified: bool, distinct: bool = False) -> Any:
    """Passes within ±window of the anchors' passes at the same gate (anchor side: person_hash index).

    On PostgreSQL the inner side is a LATERAL subquery, so the plan is a nested loop of index range
    scans on passes(gate, at_ms) whatever the planner guesses (without it, it chose a hash join over
    a sequential scan: docs/benchmarks.md); SQLite's planner picks that plan for the plain join.
    `distinct` (depth 2) drops the anchor columns and returns each pass once.
    """
    p = passes.alias("p")
    anchor_cols = [] if distinct else [p.c.person_hash.label("anchor_hash"), p.c.at_ms.label("anchor_at"),
                                       p.c.direction.label("anchor_dir")]
    where = [p.c.person_hash.in_(bindparam("anchors", expanding=True)), p.c.at_ms.between(q.start_ms, q.end_ms)]
    near = [passes.c.at_ms.between(p.c.at_ms - q.window_ms, p.c.at_ms + q.window_ms)]
    if identified:
        near.append(passes.c.person_hash.is_not(None))
    cols = (passes.c.gate, passes.c.person_hash, passes.c.at_ms, passes.c.direction, passes.c.id_sealed, passes.c.name_sealed)
    if q.lateral:
        c = select(*cols).where(passes.c.gate == p.c.gate, *near).lateral("c")
        query = select(*anchor_cols, p.c.gate, *[c.c[k.name] for k in cols[1:]]).select_from(p.join(c, true())).where(*where)
    else:
        c2 = passes.alias("c")
        on = and_(c2.c.gate == p.c.gate, c2.c.at_ms.between(p.c.at_ms - q.window_ms, p.c.at_ms + q.window_ms),
                  *([c2.c.person_hash.is_not(None)] if identified else []))
        query = select(*anchor_cols, p.c.gate, *[c2.c[k.name] for k in cols[1:]]).select_from(p.join(c2, on)).where(*where)
    return (query.distinct() if distinct else query), {"anchors": anchor_hashes}


class _People:
    """Names and ID numbers of the hashes met, opened only here (sealed on the pass, else the roster)."""

    def __init__(self, conn: Connection, keys: Keys, communities: list[str]) -> None:
        self.conn, self.keys, self.communities = conn, keys, communities
        self.known: dict[str, tuple[str, str]] = {}
        self._roster: dict[str, tuple[str, str]] | None = None

    def note(self, digest: str, id_sealed: str | None, name_sealed: str | None) -> None:
        held = self.known.get(digest, ("", ""))
        if held[0] and held[1]:
            return
        number = held[0] or (unseal_id(self.keys.identity_private, id_sealed or "") or "")
        name = held[1] or (unseal_id(self.keys.identity_private, name_sealed or "") or "")
        self.known[digest] = (number, name)

    def roster_entry(self, digest: str) -> tuple[str, str]:
        if self._roster is None:  # residents known to kiosks only by hash: the server's roster names them
            self._roster = {}
            lookup = [community_lookup_key(self.keys.lookup_master, c) for c in self.communities]
            for row in self.conn.execute(select(roster.c.name, roster.c.id_number)).all():
                try:
                    number = self.keys.data_key.decrypt(row.id_number.encode("ascii")).decode("utf-8") if row.id_number else ""
                except InvalidToken:
                    continue
                for key in lookup if number else []:
                    self._roster[roster_lookup_hash(key, "id", number)] = (number, row.name)
        return self._roster.get(digest, ("", ""))

    def show(self, digest: str, full: bool) -> dict[str, str]:
        number, name = self.known.get(digest, ("", ""))
        if not number or not name:
            r_number, r_name = self.roster_entry(digest)
            number, name = number or r_number, name or r_name
        if full:
            return {"id_number": number, "name": name}
        return {"id_number": mask_id(number) if number else "", "name": mask_name(name) if name else ""}


def _pass(gate: str, at: int, direction: str) -> dict[str, str]:
    return {"gate": gate, "at": iso_ms(at), "direction": direction}


def find_contacts(conn: Connection, keys: Keys, q: ContactQuery) -> dict[str, Any]:
    q = replace(q, lateral=conn.dialect.name == "postgresql")
    communities = sorted({c for (c,) in conn.execute(select(devices.c.community).distinct())} | {"default"})
    mine = [roster_lookup_hash(community_lookup_key(keys.lookup_master, c), "id", q.id_number) for c in communities]
    people = _People(conn, keys, communities)
    own = conn.execute(
        select(passes.c.gate, passes.c.at_ms, passes.c.direction, passes.c.name_sealed)
        .where(passes.c.person_hash.in_(mine), passes.c.at_ms.between(q.start_ms, q.end_ms)).order_by(passes.c.at_ms)
    ).all()
    name = next((n for r in own if r.name_sealed and (n := unseal_id(keys.identity_private, r.name_sealed))), "")
    if not name:
        name = people.roster_entry(mine[0])[1] if mine else ""
    person = {"id_number": q.id_number if q.full else mask_id(q.id_number), "name": name if q.full else mask_name(name),
              "passes": [_pass(r.gate, r.at_ms, r.direction) for r in own]}

    query, args = _around(mine, q, identified=False)
    close_passes: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    overlaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unidentified: dict[tuple[str, int], int] = defaultdict(int)
    excluded = set(mine)
    for r in conn.execute(query, args):
        if r.person_hash is None:
            unidentified[(r.gate, r.anchor_at)] += 1
            continue
        if r.person_hash in excluded:
            continue
        people.note(r.person_hash, r.id_sealed, r.name_sealed)
        close_passes[r.person_hash].add((r.gate, r.at_ms, r.direction))
        overlaps[r.person_hash].append({"gate": r.gate, "person_at": iso_ms(r.anchor_at), "person_direction": r.anchor_dir,
                                        "contact_at": iso_ms(r.at_ms), "minutes_apart": round((r.at_ms - r.anchor_at) / 60_000, 2)})
    close: list[dict[str, Any]] = [
        {**people.show(h, q.full), "passes": [_pass(*p) for p in sorted(close_passes[h], key=lambda p: p[1])],
         "overlaps": sorted(overlaps[h], key=lambda o: str(o["person_at"]))}
        for h in sorted(close_passes, key=lambda h: min(p[1] for p in close_passes[h]))
    ]
    result: dict[str, Any] = {
        "person": person, "close": close, "secondary": [],
        "unidentified": [{"gate": g, "around": iso_ms(at), "from": iso_ms(at - q.window_ms), "to": iso_ms(at + q.window_ms),
                          "count": n} for (g, at), n in sorted(unidentified.items(), key=lambda kv: (kv[0][1], kv[0][0]))],
        "query": {"from": iso_ms(q.start_ms), "to": iso_ms(q.end_ms), "window_minutes": q.window_ms / 60_000, "depth": q.depth,
                  "full": q.full},
    }
    if q.depth >= 2 and close_passes:
        result["secondary"] = _secondary(conn, q, people, list(close_passes), excluded | set(close_passes))
    return result


def _secondary(conn: Connection, q: ContactQuery, people: _People, close: list[str], excluded: set[str]) -> list[dict[str, Any]]:
    query, args = _around(close, q, identified=True, distinct=True)
    found: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    for r in conn.execute(query, args):
        if r.person_hash in excluded:
            continue
        people.note(r.person_hash, r.id_sealed, r.name_sealed)
        found[r.person_hash].add((r.gate, r.at_ms, r.direction))
    return [
        {**people.show(h, q.full), "passes": [_pass(*p) for p in sorted(found[h], key=lambda p: p[1])]}
        for h in sorted(found, key=lambda h: min(p[1] for p in found[h]))
    ]


def audited_lookup(conn: Connection, keys: Keys, q: ContactQuery, actor: str) -> dict[str, Any]:
    """The look-up and its audit entry in one transaction: no answer without the record of who asked."""
    result = find_contacts(conn, keys, q)
    detail = {"depth": q.depth, "from": iso_ms(q.start_ms), "to": iso_ms(q.end_ms), "window_minutes": q.window_ms / 60_000,
              "full": q.full, "close": len(result["close"]), "secondary": len(result["secondary"])}
    audit(conn, actor, "contacts-reveal" if q.full else "contacts-lookup", mask_id(q.id_number), json.dumps(detail))
    return result
