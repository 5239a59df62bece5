"""The lists' tables: the roster, risk areas and trust entries the bundle carries, the bundle's own
state, and the demo code registry.

Alembic migrations create them (sync/server/migrations); keep in step (tests/server/test_schema_tables.py)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from sync.server.db import metadata

# The demo registry standing in for the provincial platform: issued cn-token codes and their colours.
code_registry = Table(
    "code_registry",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("qr_text", Text, nullable=False, unique=True),
    Column("id_hash", String(64), nullable=False, index=True),  # SHA-256 of the ID number
    Column("name_masked", String(40), nullable=False),
    Column("id_masked", String(40), nullable=False),
    Column("colour", String(10), nullable=False),
    Column("updated_at", String(40), nullable=False),
    # the holder's ID number and name sealed to the server's identity key (v0005): a code check names
    # the holder to the gate as its community look-up hash, so a pass by code links to the person
    Column("holder_sealed", Text),
    Column("holder_name_sealed", Text),
)

# What goes into the bundle.
roster = Table(
    "roster",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("id_number", Text, nullable=False, server_default=""),  # Fernet ciphertext (keys.data_key), "" if none
    Column("phone", Text, nullable=False, server_default=""),  # Fernet ciphertext
    Column("building", String(20), nullable=False, server_default=""),
    Column("unit", String(20), nullable=False, server_default=""),
    Column("room", String(20), nullable=False, server_default=""),
    Column("key_groups", Text, nullable=False, server_default="[]"),  # JSON list of KeyGroup values, sorted
)

risk_areas = Table(
    "risk_areas",
    metadata,
    Column("region_code", String(6), primary_key=True),
    Column("level", String(10), nullable=False),
    Column("since", String(10), nullable=False),
)

trust_entries = Table(
    "trust_entries",
    metadata,
    Column("kind", String(20), primary_key=True),  # dsc | cn_issuer | revoked_uvci | revoked_signature
    Column("kid", String(200), primary_key=True),  # kid, or the revoked hash
    Column("material", Text, nullable=False, server_default=""),  # b64 DER / PEM
    Column("issuer", String(200), nullable=False, server_default=""),
)

server_state = Table(
    "server_state",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
