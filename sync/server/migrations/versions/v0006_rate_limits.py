"""Rate-limit counters shared by every server process, and the log of refused unauthenticated requests.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("hits", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("rate_counters_expires", "rate_counters", ["expires_at"])
    op.create_table(
        "refused_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("claimed_device", sa.String(64)),
        sa.Column("endpoint", sa.String(40), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("error_code", sa.String(40)),
        sa.Column("message", sa.Text),
    )
    op.create_index("refused_requests_at", "refused_requests", ["at"])
    op.create_index("sync_log_at", "sync_log", ["at"])  # retention deletes by age


def downgrade() -> None:
    op.drop_index("sync_log_at", "sync_log")
    op.drop_table("refused_requests")
    op.drop_table("rate_counters")
