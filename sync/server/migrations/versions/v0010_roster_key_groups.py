"""Roster: each resident's key-group flags (inbound, cold-chain, released-or-recovered, risk-area-14d),
set on the console's People page and sent to the kiosks in the signed bundle.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roster") as batch:
        batch.add_column(sa.Column("key_groups", sa.Text(), nullable=False, server_default="[]"))  # JSON list, sorted


def downgrade() -> None:
    with op.batch_alter_table("roster") as batch:
        batch.drop_column("key_groups")
