"""The console's own tables: communities, accounts, sessions, sign-in failures, audit, duty, and the
small projections of the records its pages count (gate entries, key entries, their watermark).

One owner: only sync/server/console writes these. Migrations v0004_console, v0009 and v0012 create
them; keep in step (tests/server/test_schema_tables.py). Gates' communities live here too (a side
table keyed by device id), so the devices' own table stays as it is. The alerts the console shows
and a community's submitted report belong to their rooms (sync/server/alerts, sync/server/reports).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text

from sync.server.db import metadata

communities = Table(
    "console_communities",
    metadata,
    Column("community_id", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("mode", String(10), nullable=False, server_default="normal"),  # normal | lockdown, sent to its gates
    Column("mode_changed_at", String(40)),
)

users = Table(
    "console_users",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("role", String(10), nullable=False),  # admin | staff | viewer
    Column("password_hash", Text, nullable=False),  # argon2id (PHC string)
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("created_at", String(40), nullable=False),
)

user_communities = Table(
    "console_user_communities",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("community_id", String(40), primary_key=True),
)

# Sessions live in the database: several server processes share them. The cookie holds the token; only its hash is stored.
sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Sign-in failures per key ("user:NAME" or "ip:ADDR"): counted, and a growing lock-out.
login_failures = Table(
    "console_login_failures",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("locked_until", Float, nullable=False, server_default="0"),
    Column("last_at", Float, nullable=False, server_default="0"),
)

audit_log = Table(
    "console_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default=""),
)
Index("console_audit_at", audit_log.c.at)

# Which community a gate belongs to: set when the gate is added from the console (through its enrolment
# code), or by an admin on the Devices page for gates enrolled from the command line.
device_communities = Table(
    "console_device_communities",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("community_id", String(40), nullable=False),
)
code_communities = Table(
    "console_code_communities",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("community_id", String(40), nullable=False),
)

duty = Table(
    "console_duty",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False),
    Column("name", String(40), nullable=False),
    Column("phone", String(20), nullable=False),  # a work phone, public on /duty by design (值班人员信息公开)
    Column("updated_by", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)


console_state = Table(
    "console_state",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

# The few fields of each gate entry the overview and the daily report count (direction, outcome, colour),
# copied from records by alerts.refresh past the same watermark (insert-or-ignore on the uuid), so a
# page counts a day from a narrow covering index instead of parsing a JSON body per record
# (docs/benchmarks.md, issue 13: 2.4 s -> ms for a day of 46,000 entries). Migration v0007 backfills it.
gate_entries = Table(
    "console_gate_entries",
    metadata,
    Column("record_uuid", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("direction", String(16)),
    Column("outcome", String(16)),
    Column("colour", String(16)),
)
Index("console_gate_entries_day", gate_entries.c.created_at, gate_entries.c.device_id, gate_entries.c.direction,
      gate_entries.c.outcome, gate_entries.c.colour)

# What monitoring reads of each gate entry and visitor registration (sync/server/alerts/monitoring.Sighting):
# key arrivals with their categories, readings and fevers, visitors' masked names; copied by
# alerts.refresh past the same watermark, so the overview, the daily report and the key-persons page
# read a few rows instead of 14 days of record bodies (issue 13). Migration v0012 backfills it. Only
# records that can matter are kept (an entry with no key category, reading or fever is not).
# role: arrival (an entry "in" with key categories) | entry (readings or a fever only) | visitor.
key_entries = Table(
    "console_key_entries",
    metadata,
    Column("record_uuid", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("role", String(8), nullable=False),
    Column("person", String(64), nullable=False),
    Column("categories", Text, nullable=False, server_default=""),  # sorted, comma-separated
    Column("id_masked", Text, nullable=False, server_default=""),
    Column("name_masked", Text, nullable=False, server_default=""),
    Column("readings", Text, nullable=False, server_default="[]"),  # JSON list of numbers
    Column("fever", Boolean, nullable=False, server_default="0"),
)
Index("console_key_entries_role", key_entries.c.role, key_entries.c.created_at, key_entries.c.device_id)
Index("console_key_entries_person", key_entries.c.person, key_entries.c.created_at)
