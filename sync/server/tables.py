"""The central server's tables (SQLAlchemy Core). Alembic migrations create them; keep in step."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    String,
    Table,
    Text,
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

