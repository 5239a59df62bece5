"""The reports' tables: each gate's filed daily reports, and the communities' submitted ones.

Alembic migrations create them (sync/server/migrations); keep in step (tests/server/test_schema_tables.py)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

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

# A community's daily (or zero) report as staff submitted it from the console: its figures frozen.
daily_reports = Table(
    "console_daily_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community_id", String(40), nullable=False),
    Column("date", String(10), nullable=False),
    Column("kind", String(10), nullable=False),  # daily | zero
    Column("body", Text, nullable=False),  # the frozen figures (JSON)
    Column("submitted_by", String(40), nullable=False),
    Column("submitted_at", String(40), nullable=False),
    UniqueConstraint("community_id", "date", name="console_daily_reports_day"),
)
