"""Console: what key-person monitoring reads of each gate entry and visitor registration
(console_key_entries: key arrivals with their categories, readings, fevers, visitors' masked names),
backfilled from the records already held.

The overview, the daily report and the key-persons page found the key persons by parsing 14 days of
record bodies per page (the console benchmark timed out at 1M records, docs/benchmarks.md); they now
read this table, which alerts.refresh keeps up to date past its watermark.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_key_entries",
        sa.Column("record_uuid", sa.String(36), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False, server_default=""),
        sa.Column("id_masked", sa.Text(), nullable=False, server_default=""),
        sa.Column("name_masked", sa.Text(), nullable=False, server_default=""),
        sa.Column("readings", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("fever", sa.Boolean(), nullable=False, server_default="0"),
    )
    # Backfill in pages with the refresh's own code (the same rows a record arriving now would get).
    from sync.server.console.key_entries import backfill

    backfill(op.get_bind())
    op.create_index("console_key_entries_role", "console_key_entries", ["role", "created_at", "device_id"])
    op.create_index("console_key_entries_person", "console_key_entries", ["person", "created_at"])


def downgrade() -> None:
    op.drop_index("console_key_entries_person", table_name="console_key_entries")
    op.drop_index("console_key_entries_role", table_name="console_key_entries")
    op.drop_table("console_key_entries")
