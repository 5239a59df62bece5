"""The alerts' tables: the alerts themselves (with their notification state) and home isolation.

Alembic migrations create them (sync/server/migrations); keep in step (tests/server/test_schema_tables.py)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from sync.server.db import metadata

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

# Alerts, ONE owner: alerts.py. Raised by a kiosk's priority lane (POST /v1/alerts), derived
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
