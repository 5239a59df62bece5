"""The two queries of a close-contact look-up (sync.server.contacts.tracing), on the `passes` projection.

Both read only the covering indexes passes_person_at (person_no, at_ms, gate, direction) and
passes_gate_at (gate, at_ms, person_no, direction), and group and join on the 4-byte person_no.

Depth 1 (`around_anchors`): the person's passes, and for each an index range scan of its gate within
±window. On PostgreSQL the inner side is a LATERAL subquery with OFFSET 0, the fence that stops the
planner pulling it up into a plain join (for which it chose a hash join over a sequential scan of
every pass; EXPLAIN in docs/benchmarks.md).

Depth 2 (`secondary_query`): one statement from the close contacts' numbers to one row per person
found: their passes in the period; per gate, the ±window around them merged into disjoint ranges
(gaps and islands: a new range starts where a pass is more than 2 x window after the previous one);
the identified passes inside the ranges, counted per person and word of gate numbers (the gates as the
word's bits, `gates_of` names them), then per person.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import Select
from sqlalchemy.types import NullType

from sync.server.contacts.tables import pass_gates, pass_people, passes

WORD_BITS = 62  # gates per word: a sum of distinct powers of two below 2**62 cannot overflow SQLite's 64-bit sum


def who_cols(full: bool) -> list[Any]:
    c = pass_people.c
    return [c.person_hash, c.id_masked, c.name_masked, *([c.id_sealed, c.name_sealed] if full else [])]


def in_scope(table: Any, gates: frozenset[str] | None) -> list[Any]:
    """Anchors only at gates the asker may see: their contacts are at the same gates, so in scope too."""
    return [] if gates is None else [table.c.gate.in_(sorted(gates))]


def around_anchors(dialect: str, start_ms: int, end_ms: int, window_ms: int, gates: frozenset[str] | None,
                   full: bool) -> Select[Any]:
    """Depth 1: each pass of the anchors (bind `anchors`: person numbers), with every pass at its gate within ±window."""
    p = passes.alias("p")
    cols = [passes.c.at_ms, passes.c.direction, passes.c.person_no]
    where = [p.c.person_no.in_(bindparam("anchors", expanding=True)), p.c.at_ms.between(start_ms, end_ms), *in_scope(p, gates)]
    anchor = [p.c.gate, p.c.at_ms.label("anchor_at"), p.c.direction.label("anchor_dir")]
    if dialect == "postgresql":
        near = passes.c.at_ms.between(p.c.at_ms - window_ms, p.c.at_ms + window_ms)
        c: Any = select(*cols).where(passes.c.gate == p.c.gate, near).offset(0).lateral("c")  # OFFSET 0: see module doc
        joined = p.join(c, true())
    else:  # SQLite drives the join from the anchors and range-scans passes_gate_at (EXPLAIN QUERY PLAN)
        c = passes.alias("c")
        joined = p.join(c, and_(c.c.gate == p.c.gate, c.c.at_ms.between(p.c.at_ms - window_ms, p.c.at_ms + window_ms)))
    joined = joined.outerjoin(pass_people, pass_people.c.person_no == c.c.person_no)
    return select(*anchor, c.c.at_ms, c.c.direction, c.c.person_no, *who_cols(full)).select_from(joined).where(*where)


def close_param(dialect: str, numbers: list[int]) -> Any:
    """The value bound to `close`: an int array on PostgreSQL, a JSON array on SQLite (no limit on the count)."""
    return numbers if dialect == "postgresql" else json.dumps(numbers)


def secondary_query(dialect: str, start_ms: int, end_ms: int, window_ms: int, gates: frozenset[str] | None,
                    full: bool) -> Select[Any]:
    """Depth 2: per person with an identified pass near a pass of the close contacts (bind `close`, see
    close_param) in the period, in the order of the answer (first pass, then hash). Columns in this order (the
    caller unpacks them): person_no, n (count), first, last, words, bits (arrays / JSON arrays: see gates_of),
    then who_cols."""
    pg = dialect == "postgresql"
    if pg:
        in_close = passes.c.person_no == any_(bindparam("close", type_=ARRAY(Integer)))
    else:
        given = func.json_each(bindparam("close", type_=Text())).table_valued("value")
        in_close = passes.c.person_no.in_(select(given.c.value))
    theirs = select(passes.c.gate, passes.c.at_ms).where(in_close, passes.c.at_ms.between(start_ms, end_ms),
                                                         *in_scope(passes, gates)).cte("theirs")
    edges = select(theirs.c.gate, theirs.c.at_ms, func.lag(theirs.c.at_ms).over(
        partition_by=theirs.c.gate, order_by=theirs.c.at_ms).label("prev")).cte("edges")
    starts = case((or_(edges.c.prev.is_(None), edges.c.at_ms - edges.c.prev > 2 * window_ms), 1), else_=0)
    islands = select(edges.c.gate, edges.c.at_ms, func.sum(starts).over(
        partition_by=edges.c.gate, order_by=edges.c.at_ms, rows=(None, 0)).label("k")).cte("islands")
    ranges = select(islands.c.gate, pass_gates.c.gate_no, (func.min(islands.c.at_ms) - window_ms).label("lo"),
                    (func.max(islands.c.at_ms) + window_ms).label("hi")).select_from(
        islands.join(pass_gates, pass_gates.c.gate == islands.c.gate)).group_by(islands.c.gate, pass_gates.c.gate_no,
                                                                                 islands.c.k).cte("ranges")
    if pg:
        c: Any = select(passes.c.at_ms, passes.c.person_no).where(
            passes.c.gate == ranges.c.gate, passes.c.at_ms.between(ranges.c.lo, ranges.c.hi),
            passes.c.person_no.is_not(None)).offset(0).lateral("c")
        source = ranges.join(c, true())
    else:
        c = passes.alias("c")
        source = ranges.join(c, and_(c.c.gate == ranges.c.gate, c.c.at_ms.between(ranges.c.lo, ranges.c.hi),
                                     c.c.person_no.is_not(None)))
    # One group per person and word of gate numbers (one word per person for a community of up to 62 gates),
    # the gates as the word's bits: an OR on PostgreSQL, a sum of the distinct powers of two on SQLite (no OR
    # aggregate there). Grouping per (person, gate) instead made PostgreSQL hash ~93,000 groups from ~480,000
    # passes at 1,000,000 (docs/benchmarks.md, issue 12). The ranges are disjoint: no pass counts twice.
    bit = cast(literal(1), BigInteger).op("<<")(ranges.c.gate_no % WORD_BITS)
    word = (ranges.c.gate_no // WORD_BITS).label("word")
    agg = select(c.c.person_no, word, func.count().label("n"), func.min(c.c.at_ms).label("first"),
                 func.max(c.c.at_ms).label("last"), (func.bit_or(bit) if pg else func.sum(distinct(bit))).label("bits")
                 ).select_from(source).group_by(c.c.person_no, word).subquery("a")
    per = select(agg.c.person_no, cast(func.sum(agg.c.n), BigInteger).label("n"), func.min(agg.c.first).label("first"),
                 func.max(agg.c.last).label("last"), _listed(pg, agg.c.word).label("words"),
                 _listed(pg, agg.c.bits).label("bits")).group_by(agg.c.person_no).subquery("per")
    digest = pass_people.c.person_hash.collate("C") if pg else pass_people.c.person_hash  # hex: byte order, as Python's
    return (select(per, *who_cols(full)).select_from(per.join(pass_people, pass_people.c.person_no == per.c.person_no))
            .order_by(per.c.first, digest))


def _listed(pg: bool, col: Any) -> Any:
    """An array (psycopg's own list: NullType spares SQLAlchemy a per-row conversion) / a JSON array on SQLite."""
    return type_coerce(func.array_agg(col), NullType()) if pg else func.json_group_array(col)


def gates_of(names: dict[int, str], words: list[int], bits: list[int]) -> list[str]:
    """The gates (sorted) that a person's words of bits name: bit b of word w is gate number w * WORD_BITS + b."""
    found = []
    for w, b in zip(words, bits, strict=True):
        while b:
            low = b & -b
            found.append(names[w * WORD_BITS + low.bit_length() - 1])
            b ^= low
    return sorted(found)
