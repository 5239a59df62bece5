"""Close-contact tracing (密接/次密接排查) over the `passes` projection.

Close contacts (depth 1): everyone who passed the same gate, either direction, within ±window of any
pass of the person in [start, end]. Secondary (depth 2): everyone within the window of a close
contact's passes (in the same period) at the same gate, less the person and the close contacts.

Depth 1 is one query: the person's passes by the index passes(person_hash, at_ms) and, for each, an
index range scan on passes(gate, at_ms, person_hash). On PostgreSQL that inner side is a LATERAL
subquery with OFFSET 0, the fence that stops the planner pulling it up into a plain join (for which
it chose a hash join over a sequential scan of every pass; EXPLAIN in docs/benchmarks.md).
Depth 2 reads the close contacts' passes, merges their windows per gate (a busy gate's overlapping
windows become one range) and aggregates per person what lies in the ranges, from the index alone.
Masked output uses the masked forms the kiosks sent (pass_people); only --full opens the sealed ones.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import JSON, BigInteger, Connection, Text, and_, bindparam, cast, func, literal_column, select, true
from sqlalchemy.sql import Select

from sync.common.masking import mask_id, mask_name
from sync.protocol import roster_lookup_hash
from sync.server.console.audit import audit
from sync.server.device_secrets import community_lookup_key
from sync.server.identity import unseal_id
from sync.server.tables import devices, pass_people, passes, roster

# Memory for depth 2's hash aggregate on PostgreSQL (SET LOCAL: this transaction only). At 1,000,000
# passes it groups ~1,000,000 index entries into ~70,000 (person, gate) rows; the server default
# (4MB x hash_mem_multiplier 2) made it spill to disk in batches (EXPLAIN in docs/benchmarks.md).
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
    """UTC ISO 8601 with milliseconds and Z (strftime of gmtime: a depth-2 answer formats ~100,000 of them)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def _who_cols(full: bool) -> list[Any]:
    c = pass_people.c
    return [c.id_masked, c.name_masked, *([c.id_sealed, c.name_sealed] if full else [])]


def _in_scope(table: Any, q: ContactQuery) -> list[Any]:
    """Anchors only at gates the asker may see: their contacts are at the same gates, so in scope too."""
    return [] if q.gates is None else [table.c.gate.in_(sorted(q.gates))]


def around_anchors(dialect: str, q: ContactQuery) -> Select[Any]:
    """Depth 1: each pass of the anchors (bind `anchors`), with every pass at its gate within ±window."""
    p = passes.alias("p")
    cols = [passes.c.at_ms, passes.c.direction, passes.c.person_hash]
    where = [p.c.person_hash.in_(bindparam("anchors", expanding=True)), p.c.at_ms.between(q.start_ms, q.end_ms),
             *_in_scope(p, q)]
    anchor = [p.c.gate, p.c.at_ms.label("anchor_at"), p.c.direction.label("anchor_dir")]
    if dialect == "postgresql":
        near = passes.c.at_ms.between(p.c.at_ms - q.window_ms, p.c.at_ms + q.window_ms)
        c: Any = select(*cols).where(passes.c.gate == p.c.gate, near).offset(0).lateral("c")  # OFFSET 0: see module doc
        joined = p.join(c, true())
    else:  # SQLite drives the join from the anchors and range-scans passes_gate_at (EXPLAIN QUERY PLAN)
        c = passes.alias("c")
        joined = p.join(c, and_(c.c.gate == p.c.gate, c.c.at_ms.between(p.c.at_ms - q.window_ms, p.c.at_ms + q.window_ms)))
    joined = joined.outerjoin(pass_people, pass_people.c.person_hash == c.c.person_hash)
    return select(*anchor, c.c.at_ms, c.c.direction, c.c.person_hash, *_who_cols(q.full)).select_from(joined).where(*where)


def merge_windows(rows: list[tuple[str, int]], window_ms: int) -> list[tuple[str, int, int]]:
    """(gate, at) passes -> (gate, lo, hi) ranges covering every ±window, overlapping ones merged."""
    out: list[tuple[str, int, int]] = []
    for gate, at in sorted(rows):
        lo, hi = at - window_ms, at + window_ms
        if out and out[-1][0] == gate and lo <= out[-1][2]:
            out[-1] = (gate, out[-1][1], max(out[-1][2], hi))
        else:
            out.append((gate, lo, hi))
    return out


def in_ranges(dialect: str, full: bool) -> Select[Any]:
    """Depth 2: per person (over per person and gate), the identified passes inside the ranges (bind `ranges`: JSON
    [{"gate", "lo", "hi"}, ...] on PostgreSQL, [[gate, lo, hi], ...] on SQLite): count, first, last, gates.
    The ranges are disjoint, so no pass counts twice; (gate, at_ms, person_hash) is all it reads
    (passes_gate_at, index only). Plain aggregates (no DISTINCT) leave PostgreSQL free to hash them."""
    if dialect == "postgresql":
        r = func.json_to_recordset(cast(bindparam("ranges", type_=Text()), JSON)).table_valued(
            literal_column("gate", type_=passes.c.gate.type), literal_column("lo", type_=passes.c.at_ms.type),
            literal_column("hi", type_=passes.c.at_ms.type), joins_implicitly=True).render_derived(name="r", with_types=True)
        c: Any = select(passes.c.gate, passes.c.at_ms, passes.c.person_hash).where(
            passes.c.gate == r.c.gate, passes.c.at_ms.between(r.c.lo, r.c.hi), passes.c.person_hash.is_not(None)).offset(0).lateral("c")
        source = r.join(c, true())
    else:
        r2 = func.json_each(bindparam("ranges", type_=Text())).table_valued("value").alias("r")
        gate, lo, hi = (func.json_extract(r2.c.value, f"$[{i}]") for i in range(3))
        c = passes.alias("c")
        source = r2.join(c, and_(c.c.gate == gate, c.c.at_ms.between(lo, hi), c.c.person_hash.is_not(None)))
    agg = select(c.c.person_hash, c.c.gate, func.count().label("n"), func.min(c.c.at_ms).label("first"),
                 func.max(c.c.at_ms).label("last")).select_from(source).group_by(c.c.person_hash, c.c.gate).subquery("a")
    # then per person (~4x fewer rows to send, join and walk in Python); gates as an array / JSON array
    gates = func.array_agg(agg.c.gate) if dialect == "postgresql" else func.json_group_array(agg.c.gate)
    per = select(agg.c.person_hash, cast(func.sum(agg.c.n), BigInteger).label("n"), func.min(agg.c.first).label("first"),
                 func.max(agg.c.last).label("last"), gates.label("gates")).group_by(agg.c.person_hash).subquery("per")
    return select(per, *_who_cols(full)).select_from(per.outerjoin(pass_people, pass_people.c.person_hash == per.c.person_hash))


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


def _entries(people: _People, found: dict[str, set[tuple[str, int, str]]]) -> list[dict[str, Any]]:
    return [{**people.show(h), "passes": [_pass(*p) for p in sorted(found[h], key=lambda p: p[1])]}
            for h in sorted(found, key=lambda h: min(p[1] for p in found[h]))]


def find_contacts(conn: Connection, keys: Keys, q: ContactQuery) -> dict[str, Any]:
    dialect = conn.dialect.name
    communities = sorted({c for (c,) in conn.execute(select(devices.c.community).distinct())} | {"default"})
    mine = [roster_lookup_hash(community_lookup_key(keys.lookup_master, c), "id", q.id_number) for c in communities]
    people = _People(conn, keys, communities, q.full)
    own = conn.execute(
        select(passes.c.gate, passes.c.at_ms, passes.c.direction, passes.c.person_hash)
        .where(passes.c.person_hash.in_(mine), passes.c.at_ms.between(q.start_ms, q.end_ms), *_in_scope(passes, q))
        .order_by(passes.c.at_ms)
    ).all()
    for r in conn.execute(select(pass_people.c.person_hash, *_who_cols(q.full)).where(pass_people.c.person_hash.in_(mine))):
        people.note(r)
    me = people.show(own[0].person_hash if own else mine[0])
    person = {"id_number": q.id_number if q.full else mask_id(q.id_number), "name": me["name"],
              "passes": [_pass(r.gate, r.at_ms, r.direction) for r in own]}

    close_passes: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
    overlaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unidentified: dict[tuple[str, int], int] = defaultdict(int)
    excluded = set(mine)
    for r in conn.execute(around_anchors(dialect, q), {"anchors": mine}).all():  # all(): one fetch, not one per row
        if r.person_hash is None:
            unidentified[(r.gate, r.anchor_at)] += 1
            continue
        if r.person_hash in excluded:
            continue
        people.note(r)
        close_passes[r.person_hash].add((r.gate, r.at_ms, r.direction))
        overlaps[r.person_hash].append({"gate": r.gate, "person_at": iso_ms(r.anchor_at), "person_direction": r.anchor_dir,
                                        "contact_at": iso_ms(r.at_ms), "minutes_apart": round((r.at_ms - r.anchor_at) / 60_000, 2)})
    close = _entries(people, close_passes)
    for entry, h in zip(close, sorted(close_passes, key=lambda h: min(p[1] for p in close_passes[h])), strict=True):
        entry["overlaps"] = sorted(overlaps[h], key=lambda o: str(o["person_at"]))
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
    theirs = conn.execute(select(passes.c.gate, passes.c.at_ms).where(
        passes.c.person_hash.in_(bindparam("close", expanding=True)), passes.c.at_ms.between(q.start_ms, q.end_ms),
        *_in_scope(passes, q)), {"close": close}).all()
    ranges = merge_windows([(g, at) for g, at in theirs], q.window_ms)
    pg = conn.dialect.name == "postgresql"
    wire = [{"gate": g, "lo": lo, "hi": hi} for g, lo, hi in ranges] if pg else ranges
    if pg and WORK_MEM:
        conn.exec_driver_sql(f"set local work_mem = '{WORK_MEM}'")  # a constant of this module, not input
    per: dict[str, tuple[int, int, int, list[str]]] = {}  # hash -> (n, first, last, gates)
    for r in conn.execute(in_ranges(conn.dialect.name, q.full), {"ranges": json.dumps(wire)}).all():
        if r.person_hash in excluded:
            continue
        people.note(r)
        per[r.person_hash] = (r.n, r.first, r.last, r.gates if pg else json.loads(r.gates))
    return [{**people.show(h), "passes_near": n, "first_at": iso_ms(first), "last_at": iso_ms(last), "gates": sorted(gates)}
            for h, (n, first, last, gates) in sorted(per.items(), key=lambda kv: (kv[1][1], kv[0]))]


def audited_lookup(conn: Connection, keys: Keys, q: ContactQuery, actor: str) -> dict[str, Any]:
    """The look-up and its audit entry in one transaction: no answer without the record of who asked."""
    result = find_contacts(conn, keys, q)
    detail = {"depth": q.depth, "from": iso_ms(q.start_ms), "to": iso_ms(q.end_ms), "window_minutes": q.window_ms / 60_000,
              "full": q.full, "close": len(result["close"]), "secondary": len(result["secondary"])}
    audit(conn, actor, "contacts-reveal" if q.full else "contacts-lookup", mask_id(q.id_number), json.dumps(detail))
    return result
