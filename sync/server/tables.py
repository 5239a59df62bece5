"""The central server's tables (SQLAlchemy Core). Alembic migrations create them; keep in step."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sync.server.db import metadata

reports = Table(
    "reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("date", String(10), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
)


# Home isolation (居家隔离医学观察): who, where, from when to when, why, placed by whom. The ID number
# is sealed (Fernet, keys.data_key) like the roster's; kiosks get only look-up hashes and masked forms.
home_isolation = Table(
    "home_isolation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(64), nullable=False, server_default="default"),
    Column("roster_uuid", String(36), nullable=False, server_default=""),  # "" when placed by ID number
    Column("id_number", Text, nullable=False, server_default=""),  # sealed, "" when only the roster entry is known
    Column("name", String(100), nullable=False, server_default=""),
    Column("building", String(20), nullable=False, server_default=""),
    Column("unit", String(20), nullable=False, server_default=""),
    Column("room", String(20), nullable=False, server_default=""),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),  # last day under isolation (local date)
    Column("reason", Text, nullable=False),
    Column("placed_by", String(40), nullable=False),
    Column("placed_at", String(40), nullable=False),
    Column("ended_at", String(40)),  # ended early by staff (else it runs out at end_date)
    Column("ended_by", String(40)),
    Column("end_note", Text),
)
Index("home_isolation_community_end", home_isolation.c.community, home_isolation.c.end_date)

# Alerts, ONE owner: sync/server/alerts.py. Raised by a kiosk's priority lane (POST /v1/alerts), derived
# from ingested records (the same alert record in a batch is the same row), or by the server itself
# (health monitoring). State: new -> acknowledged (by whom, when) -> closed (with a note).
alerts = Table(
    "alerts",
    metadata,
    Column("record_uuid", String(36), primary_key=True),  # the kiosk's alert record, or a server-made id
    Column("device_id", String(64)),  # NULL for alerts the server raises itself
    Column("community", String(64), nullable=False, server_default="default"),
    Column("kind", String(40), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("entry_uuid", String(36)),  # the gate entry it is about, when there is one
    Column("source", String(10), nullable=False, server_default="batch"),  # lane | batch | server
    Column("created_at", String(40), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("state", String(12), nullable=False, server_default="new"),  # new | acknowledged | closed
    Column("acked_by", String(40)),
    Column("acked_at", String(40)),
    Column("ack_note", Text),
    Column("closed_by", String(40)),
    Column("closed_at", String(40)),
    Column("close_note", Text),
    Column("notify_state", String(10), nullable=False, server_default="none"),  # none | pending | sent | failed
    Column("notify_attempts", Integer, nullable=False, server_default="0"),
    Column("notify_next_at", String(40)),
    Column("notify_error", Text),
)
Index("alerts_received", alerts.c.received_at)
Index("alerts_state_created", alerts.c.state, alerts.c.created_at)
Index("alerts_notify", alerts.c.notify_state, alerts.c.notify_next_at)
# A gate entry raises each kind of alert once, whether it came by the lane or was derived from the batch.
Index("alerts_entry_kind", alerts.c.entry_uuid, alerts.c.kind, unique=True)

# Contact tracing's projection of gate passes (sync.server.contacts): one row per gate_entry record,
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
# was found at as bits of an integer (sync.server.contacts_sql), and this is how the bits are named.
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
