"""Device identity: server-assigned ids bound to enrolment codes, sealed secrets, permanent revocation.

- devices.secret is widened to hold a Fernet token (the server seals the clear secrets of
  existing rows at its next start: sync.server.device_secrets.seal_clear_rows, it needs the key
  from the secrets folder, which a migration does not have); next_secret holds a rolled key until
  the device first uses it.
- devices.journal_id: the kiosk's journal id (inside every record hash); NULL = the device id
  (every device enrolled before this revision chained its records under its device id).
- devices.community and revoked_at; a device disabled before this revision is revoked from now on.
- enroll_codes.device_id binds each code to the id the server assigned; unused codes issued
  before this revision get an id here. enroll_key_hash makes a repeated enrolment idempotent.

Revision ID: 0003
Revises: 0002
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.alter_column("secret", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
        batch.add_column(sa.Column("next_secret", sa.Text()))
        batch.add_column(sa.Column("journal_id", sa.String(64)))
        batch.add_column(sa.Column("community", sa.String(64), nullable=False, server_default="default"))
        batch.add_column(sa.Column("revoked_at", sa.String(40)))
    with op.batch_alter_table("enroll_codes") as batch:
        batch.add_column(sa.Column("device_id", sa.String(64)))
        batch.add_column(sa.Column("community", sa.String(64), nullable=False, server_default="default"))
        batch.add_column(sa.Column("enroll_key_hash", sa.String(64)))
    conn = op.get_bind()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute(sa.text("update devices set revoked_at = :now where disabled = :yes and revoked_at is null"), {"now": now, "yes": True})
    codes = conn.execute(sa.text("select code_hash, used_by from enroll_codes where device_id is null")).all()
    for code_hash, used_by in codes:
        conn.execute(sa.text("update enroll_codes set device_id = :d where code_hash = :h"),
                     {"d": used_by or f"gate-{secrets.token_hex(6)}", "h": code_hash})


def downgrade() -> None:
    with op.batch_alter_table("enroll_codes") as batch:
        batch.drop_column("enroll_key_hash")
        batch.drop_column("community")
        batch.drop_column("device_id")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("community")
        batch.drop_column("journal_id")
        batch.drop_column("next_secret")
