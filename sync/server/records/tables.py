"""The records' tables: every record a gate delivered, the batches they came in, and the sync log.

Alembic migrations create them (sync/server/migrations); keep in step (tests/server/test_schema_tables.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from sync.server.db import metadata

records = Table(
    "records",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("batch_id", String(36), nullable=False),
    UniqueConstraint("device_id", "seq", name="records_device_seq"),
)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("records", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
)

sync_log = Table(
    "sync_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("device_id", String(64)),
    Column("endpoint", String(40), nullable=False),
    Column("batch_id", String(36)),
    Column("records", Integer, nullable=False, server_default="0"),
    Column("stored", Integer, nullable=False, server_default="0"),
    Column("bytes", Integer, nullable=False, server_default="0"),
    Column("duration_ms", Float, nullable=False, server_default="0"),
    Column("status", Integer, nullable=False),
    Column("error_code", String(40)),
    Column("message", Text),
)
Index("sync_log_device_at", sync_log.c.device_id, sync_log.c.at)
Index("sync_log_at", sync_log.c.at)

# Read paths of the console over the records: today's gate entries, and records newer than the alert watermark.
Index("console_records_kind_created", records.c.kind, records.c.created_at)
Index("console_records_kind_received", records.c.kind, records.c.received_at)
