"""Roster ID numbers and phones are stored encrypted (Fernet ciphertext needs room).

Values written under 0001 were clear text; 0001 was never released with residents in it, so
this migration only widens the columns (a roster filled under 0001 must be imported again).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roster") as batch:
        batch.alter_column("id_number", type_=sa.Text(), existing_type=sa.String(18), existing_nullable=False, existing_server_default="")
        batch.alter_column("phone", type_=sa.Text(), existing_type=sa.String(20), existing_nullable=False, existing_server_default="")


def downgrade() -> None:
    with op.batch_alter_table("roster") as batch:
        batch.alter_column("id_number", type_=sa.String(18), existing_type=sa.Text(), existing_nullable=False)
        batch.alter_column("phone", type_=sa.String(20), existing_type=sa.Text(), existing_nullable=False)
