"""The contacts' tables: contact tracing's projection of gate passes, with a number per gate and per person.

Alembic migrations create them (sync/server/migrations); keep in step (tests/server/test_schema_tables.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from sync.server.db import metadata

# Contact tracing's projection of gate passes (tracing.py): one row per gate_entry record,
# written by ingest in the batch's transaction. person_hash is the community look-up hash of the ID
# number and person_no its number in pass_people (both NULL: the pass named nobody, counted per gate
# and window); the indexes make every contact query a set of index range scans read from the index
# alone (docs/central-server.md, "Close contacts").
passes = Table(
    "passes",
    metadata,
    Column("record_uuid", String(36), primary_key=True),
    Column("community", String(64), nullable=False),
    Column("gate", String(64), nullable=False),  # the device id
    Column("at_ms", BigInteger, nullable=False),  # UTC epoch milliseconds of the pass
    Column("direction", String(8), nullable=False),
    Column("person_hash", String(64)),
    Column("source", String(16)),
    Column("person_no", Integer),  # pass_people.person_no of person_hash: what the contact queries join and group on
)
# Covering, so both levels never read the table: (gate, at_ms) ranges around a pass carry who and which
# way; a person's passes carry where and which way. A 4-byte number instead of the 64-character hash
# makes the index a third of the size and the depth-2 aggregate cheaper (docs/benchmarks.md, issue 12).
Index("passes_gate_at", passes.c.gate, passes.c.at_ms, passes.c.person_no, passes.c.direction)
Index("passes_person_at", passes.c.person_no, passes.c.at_ms, passes.c.gate, passes.c.direction)

# A number per gate that has passes (the first pass from it gives it one): depth 2 marks the gates a person
# was found at as bits of an integer (queries.py), and this is how the bits are named.
pass_gates = Table(
    "pass_gates",
    metadata,
    Column("gate_no", Integer, primary_key=True),  # assigned by the database (SERIAL / rowid)
    Column("gate", String(64), nullable=False),
    UniqueConstraint("gate", name="pass_gates_gate"),
)

# Who a person hash is, once per person (the first pass that named them; a later one fills what it lacked).
pass_people = Table(
    "pass_people",
    metadata,
    Column("person_no", Integer, primary_key=True),  # assigned by the database on first sight (SERIAL / rowid)
    Column("person_hash", String(64), nullable=False),
    Column("id_masked", String(40)),  # the masked forms the kiosk sent: a masked look-up opens nothing
    Column("name_masked", String(40)),
    Column("id_sealed", Text),  # the ID number sealed to the server's identity key (sync.server.identity)
    Column("name_sealed", Text),
    UniqueConstraint("person_hash", name="pass_people_hash"),
)
