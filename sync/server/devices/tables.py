"""The devices' tables: enrolled kiosks, their one-time enrolment codes, the request nonces seen,
rate-limit windows and the requests refused before any device was authenticated.

Alembic migrations create them (sync/server/migrations); keep in step (tests/server/test_schema_tables.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from sync.server.db import metadata

# Enrolled kiosks, with the server's running view of each one's hash chain.
devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("label", String(100), nullable=False, server_default=""),
    # The HMAC key, sealed (Fernet) under secrets/device_secrets.key: the database alone reveals no secret.
    Column("secret", Text, nullable=False),
    Column("next_secret", Text),  # a rolled key, sealed, until the device first signs with it
    Column("journal_id", String(64)),  # the kiosk's journal id, inside every record hash; NULL = device_id
    Column("community", String(64), nullable=False, server_default="default"),
    Column("revoked_at", String(40)),  # set once, never cleared (disabled is then true)
    Column("enrolled_at", String(40), nullable=False),
    Column("last_seen_at", String(40)),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("anchor_seq", BigInteger, nullable=False, server_default="0"),
    Column("anchor_hash", String(64), nullable=False),
    Column("stored_through_seq", BigInteger, nullable=False, server_default="0"),  # contiguous from the anchor
    Column("verified_through_seq", BigInteger, nullable=False, server_default="0"),  # linked and hashed
    Column("verified_hash", String(64), nullable=False),
    Column("max_seq", BigInteger, nullable=False, server_default="0"),
    Column("reported_last_seq", BigInteger),  # the kiosk's own newest seq, as it said in its last batch
    Column("chain_status", String(16), nullable=False, server_default="ok"),
    Column("chain_problem", Text),
    # The kiosk's last `kiosk doctor` result (JSON of sync.protocol DoctorSummary), sent with its batches.
    Column("doctor_at", String(40)),
    Column("doctor_ok", Boolean),
    Column("doctor_json", Text),
)

enroll_codes = Table(
    "enroll_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # SHA-256 of the code: the code itself is shown once
    Column("label", String(100), nullable=False, server_default=""),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Column("used_by", String(64)),
    Column("device_id", String(64)),  # the id the server assigned when the admin issued the code
    Column("community", String(64), nullable=False, server_default="default"),
    Column("enroll_key_hash", String(64)),  # SHA-256 of the kiosk's enrolment key: a repeat with it is idempotent
)

# Seen request nonces, per device, kept for twice the clock window (replay protection).
nonces = Table(
    "nonces",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", Float, nullable=False),
)
Index("nonces_seen", nonces.c.seen_at)

# Fixed-window rate-limit counters (ratelimit.py): in the database so that every
# worker process sees one count.
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("hits", BigInteger, nullable=False),
    Column("expires_at", Float, nullable=False),  # unix time the window ends
)
Index("rate_counters_expires", rate_counters.c.expires_at)

# Requests refused before any device was authenticated: kept apart from sync_log (a caller can
# claim any device id) and bounded in size (refusals.py).
refused_requests = Table(
    "refused_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("source", String(64), nullable=False),  # client address
    Column("claimed_device", String(64)),  # what X-Kiosk-Device said: a claim, not an identity
    Column("endpoint", String(40), nullable=False),
    Column("status", Integer, nullable=False),
    Column("error_code", String(40)),
    Column("message", Text),
)
Index("refused_requests_at", refused_requests.c.at)
