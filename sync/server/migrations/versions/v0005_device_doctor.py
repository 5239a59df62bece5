"""Each device's last `kiosk doctor` result, as its batches carry it (console: device list).

Revision ID: 0005 (after 0004)
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("doctor_at", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("doctor_ok", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("doctor_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("doctor_json")
        batch.drop_column("doctor_ok")
        batch.drop_column("doctor_at")
