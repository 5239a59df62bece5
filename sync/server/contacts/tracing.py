"""Close-contact tracing (密接/次密接排查) over the `passes` projection.

Close contacts (depth 1): everyone who passed the same gate, either direction, within ±window of any
pass of the person in [start, end]. Secondary (depth 2): everyone within the window of a close
contact's passes (in the same period) at the same gate, less the person and the close contacts.
The queries are in sync.server.contacts.queries: depth 1 one statement from the person's number, depth 2
one statement from the close contacts' numbers to a row per person found.
Masked output uses the masked forms the kiosks sent (pass_people); only --full opens the sealed ones.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, select

from sync.common.masking import mask_id, mask_name
from sync.protocol import roster_lookup_hash
from sync.server.console.audit import audit
from sync.server.contacts.queries import around_anchors, close_param, gates_of, in_scope, secondary_query, who_cols
from sync.server.contacts.tables import pass_gates, pass_people, passes
from sync.server.devices.device_secrets import community_lookup_key
from sync.server.devices.tables import devices
from sync.server.identity import unseal_id
from sync.server.lists.tables import roster

# Memory for depth 2's statement on PostgreSQL (SET LOCAL: this transaction only). At 1,000,000 passes
# it groups ~480,000 index entries into ~24,000 rows and sorts them into the answer's order (7.5 MB);
# at the server default (4MB) that sort went to disk (EXPLAIN in docs/benchmarks.md).
WORK_MEM: str | None = "64MB"


@dataclass(frozen=True)
class ContactQuery:
    id_number: str  # normalised (validated by the caller)
    start_ms: int
    end_ms: int
    window_ms: int = 15 * 60_000
    depth: int = 1
    full: bool = False
    gates: frozenset[str] | None = None  # the gates the asker may see (a staff account's communities); None: all


@dataclass(frozen=True)
class Keys:
    lookup_master: bytes
    identity_private: bytes
    data_key: Fernet


def iso_ms(ms: int) -> str:
    """UTC ISO 8601 with milliseconds and Z (strftime of gmtime: a depth-2 answer formats ~50,000 of them)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


class _People:
    """The masked forms on the passes; with --full the sealed ones opened (else the server's roster)."""

    def __init__(self, conn: Connection, keys: Keys, communities: list[str], full: bool) -> None:
        self.conn, self.keys, self.communities, self.full = conn, keys, communities, full
        self.known: dict[str, tuple[str, str]] = {}
        self._roster: dict[str, tuple[str, str]] | None = None

    def note(self, r: Any) -> None:
        held = self.known.get(r.person_hash)
        if held is not None and held[0] and held[1]:
            return
        number, name = held or ("", "")
        if self.full:
            number = number or unseal_id(self.keys.identity_private, r.id_sealed or "") or ""
            name = name or unseal_id(self.keys.identity_private, r.name_sealed or "") or ""
        else:
            number, name = number or (r.id_masked or ""), name or (r.name_masked or "")
        self.known[r.person_hash] = (number, name)

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

    def show(self, digest: str) -> dict[str, str]:
        number, name = self.known.get(digest, ("", ""))
        if not number or not name:
            r_number, r_name = self.roster_entry(digest)
            if not self.full:
                r_number, r_name = mask_id(r_number) if r_number else "", mask_name(r_name) if r_name else ""
            number, name = number or r_number, name or r_name
        return {"id_number": number, "name": name}


def _pass(gate: str, at: int, direction: str) -> dict[str, str]:
    return {"gate": gate, "at": iso_ms(at), "direction": direction}


def _by_first(found: dict[str, set[tuple[str, int, str]]]) -> list[str]:
    """The close contacts in the order of their first pass (then of hash: the same answer every time)."""
    return sorted(found, key=lambda h: (min(p[1] for p in found[h]), h))


def _entries(people: _People, found: dict[str, set[tuple[str, int, str]]]) -> list[dict[str, Any]]:
    return [{**people.show(h), "passes": [_pass(*p) for p in sorted(found[h], key=lambda p: (p[1], p[0], p[2]))]}
            for h in _by_first(found)]


def find_contacts(conn: Connection, keys: Keys, q: ContactQuery) -> dict[str, Any]:
    dialect = conn.dialect.name
    communities = sorted({c for (c,) in conn.execute(select(devices.c.community).distinct())} | {"default"})
    mine = [roster_lookup_hash(community_lookup_key(keys.lookup_master, c), "id", q.id_number) for c in communities]
    people = _People(conn, keys, communities, q.full)
    numbers: dict[int, str] = {}  # person_no -> person_hash of the person (one per community that saw them)
    for r in conn.execute(select(pass_people.c.person_no, *who_cols(q.full)).where(pass_people.c.person_hash.in_(mine))):
        people.note(r)
        numbers[r.person_no] = r.person_hash
    own = conn.execute(
        select(passes.c.gate, passes.c.at_ms, passes.c.direction, passes.c.person_no)
        .where(passes.c.person_no.in_(sorted(numbers)), passes.c.at_ms.between(q.start_ms, q.end_ms), *in_scope(passes, q.gates))
        .order_by(passes.c.at_ms)
    ).all() if numbers else []
    me = people.show(numbers[own[0].person_no] if own else mine[0])
    person = {"id_number": q.id_number if q.full else mask_id(q.id_number), "name": me["name"],
              "passes": [_pass(r.gate, r.at_ms, r.direction) for r in own]}

    close_passes: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    close_numbers: set[int] = set()
    overlaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unidentified: dict[tuple[str, int], int] = defaultdict(int)
    anchors = around_anchors(dialect, q.start_ms, q.end_ms, q.window_ms, q.gates, q.full)
    for r in conn.execute(anchors, {"anchors": sorted(numbers)}).all() if own else []:  # all(): one fetch, not one per row
        if r.person_no is None:
            unidentified[(r.gate, r.anchor_at)] += 1
            continue
        if r.person_no in numbers:
            continue
        people.note(r)
        close_numbers.add(r.person_no)
        close_passes[r.person_hash].add((r.gate, r.at_ms, r.direction))
        overlaps[r.person_hash].append({"gate": r.gate, "person_at": iso_ms(r.anchor_at), "person_direction": r.anchor_dir,
                                        "contact_at": iso_ms(r.at_ms), "minutes_apart": round((r.at_ms - r.anchor_at) / 60_000, 2)})
    close = _entries(people, close_passes)
    for entry, h in zip(close, _by_first(close_passes), strict=True):  # ties in time: by contact time (ISO strings sort as times)
        entry["overlaps"] = sorted(overlaps[h], key=lambda o: (o["person_at"], o["contact_at"]))
    result: dict[str, Any] = {
        "person": person, "close": close, "secondary": [],
        "unidentified": [{"gate": g, "around": iso_ms(at), "from": iso_ms(at - q.window_ms), "to": iso_ms(at + q.window_ms),
                          "count": n} for (g, at), n in sorted(unidentified.items(), key=lambda kv: (kv[0][1], kv[0][0]))],
        "query": {"from": iso_ms(q.start_ms), "to": iso_ms(q.end_ms), "window_minutes": q.window_ms / 60_000, "depth": q.depth,
                  "full": q.full},
    }
    if q.depth >= 2 and close_numbers:
        result["secondary"] = _secondary(conn, q, people, sorted(close_numbers), close_numbers | set(numbers))
    return result


def _secondary(conn: Connection, q: ContactQuery, people: _People, close: list[int], excluded: set[int]) -> list[dict[str, Any]]:
    dialect = conn.dialect.name
    if dialect == "postgresql" and WORK_MEM:
        conn.exec_driver_sql(f"set local work_mem = '{WORK_MEM}'")  # a constant of this module, not input
    query = secondary_query(dialect, q.start_ms, q.end_ms, q.window_ms, q.gates, q.full)
    rows = conn.execute(query, {"close": close_param(dialect, close)}).all()
    names = dict(conn.execute(select(pass_gates.c.gate_no, pass_gates.c.gate)).all())
    out: list[dict[str, Any]] = []  # in the statement's order: first pass, then hash
    pg = dialect == "postgresql"
    for r in rows:
        no, n, first, last, words, bits, digest, number, name = r[:9]  # unpacked: ~24,000 rows at 1,000,000 passes
        if no in excluded:
            continue
        if q.full or not (number and name):  # the common case (masked forms on the passes) skips the bookkeeping
            people.note(r)
            shown = people.show(digest)
            number, name = shown["id_number"], shown["name"]
        gates = gates_of(names, words, bits) if pg else gates_of(names, json.loads(words), json.loads(bits))
        out.append({"id_number": number, "name": name, "passes_near": n, "first_at": iso_ms(first), "last_at": iso_ms(last),
                    "gates": gates})
    return out


def audited_lookup(conn: Connection, keys: Keys, q: ContactQuery, actor: str) -> dict[str, Any]:
    """The look-up and its audit entry in one transaction: no answer without the record of who asked."""
    result = find_contacts(conn, keys, q)
    detail = {"depth": q.depth, "from": iso_ms(q.start_ms), "to": iso_ms(q.end_ms), "window_minutes": q.window_ms / 60_000,
              "full": q.full, "close": len(result["close"]), "secondary": len(result["secondary"])}
    audit(conn, actor, "contacts-reveal" if q.full else "contacts-lookup", mask_id(q.id_number), json.dumps(detail))
    return result
