"""Home isolation, and ONE alerts store with state (new / acknowledged / closed) and webhook delivery.

The console's console_alerts rows move into `alerts` (acknowledged ones keep who and when) and the old
table goes. Self-contained. Revision ID: 0007, revises 0006.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'home_isolation',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('community', sa.String(length=64), server_default='default', nullable=False),
        sa.Column('roster_uuid', sa.String(length=36), server_default='', nullable=False),
        sa.Column('id_number', sa.Text(), server_default='', nullable=False),
        sa.Column('name', sa.String(length=100), server_default='', nullable=False),
        sa.Column('building', sa.String(length=20), server_default='', nullable=False),
        sa.Column('unit', sa.String(length=20), server_default='', nullable=False),
        sa.Column('room', sa.String(length=20), server_default='', nullable=False),
        sa.Column('start_date', sa.String(length=10), nullable=False),
        sa.Column('end_date', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('placed_by', sa.String(length=40), nullable=False),
        sa.Column('placed_at', sa.String(length=40), nullable=False),
        sa.Column('ended_at', sa.String(length=40), nullable=True),
        sa.Column('ended_by', sa.String(length=40), nullable=True),
        sa.Column('end_note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('home_isolation_community_end', 'home_isolation', ['community', 'end_date'], unique=False)
    op.create_table(
        'alerts',
        sa.Column('record_uuid', sa.String(length=36), nullable=False),
        sa.Column('device_id', sa.String(length=64), nullable=True),
        sa.Column('community', sa.String(length=64), server_default='default', nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('message', sa.Text(), server_default='', nullable=False),
        sa.Column('entry_uuid', sa.String(length=36), nullable=True),
        sa.Column('source', sa.String(length=10), server_default='batch', nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=12), server_default='new', nullable=False),
        sa.Column('acked_by', sa.String(length=40), nullable=True),
        sa.Column('acked_at', sa.String(length=40), nullable=True),
        sa.Column('ack_note', sa.Text(), nullable=True),
        sa.Column('closed_by', sa.String(length=40), nullable=True),
        sa.Column('closed_at', sa.String(length=40), nullable=True),
        sa.Column('close_note', sa.Text(), nullable=True),
        sa.Column('notify_state', sa.String(length=10), server_default='none', nullable=False),
        sa.Column('notify_attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('notify_next_at', sa.String(length=40), nullable=True),
        sa.Column('notify_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('record_uuid'),
    )
    op.create_index('alerts_received', 'alerts', ['received_at'], unique=False)
    op.create_index('alerts_state_created', 'alerts', ['state', 'created_at'], unique=False)
    op.create_index('alerts_notify', 'alerts', ['notify_state', 'notify_next_at'], unique=False)
    op.create_index('alerts_entry_kind', 'alerts', ['entry_uuid', 'kind'], unique=True)
    op.execute(
        "insert into alerts (record_uuid, device_id, community, kind, message, source, created_at, received_at, state,"
        " acked_by, acked_at, ack_note) select record_uuid, device_id, 'default', kind, message, 'batch', created_at,"
        " received_at, case when acked_at is null then 'new' else 'acknowledged' end, acked_by, acked_at, ack_note"
        " from console_alerts"
    )
    op.execute("delete from console_state where key = 'alerts_scanned_through'")
    op.drop_index('console_alerts_received', table_name='console_alerts')
    op.drop_table('console_alerts')


def downgrade() -> None:
    op.create_table(
        'console_alerts',
        sa.Column('record_uuid', sa.String(length=36), nullable=False),
        sa.Column('device_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('message', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=False),
        sa.Column('acked_by', sa.String(length=40), nullable=True),
        sa.Column('acked_at', sa.String(length=40), nullable=True),
        sa.Column('ack_note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('record_uuid'),
    )
    op.create_index('console_alerts_received', 'console_alerts', ['received_at'], unique=False)
    op.execute(
        "insert into console_alerts (record_uuid, device_id, kind, message, created_at, received_at, acked_by, acked_at,"
        " ack_note) select record_uuid, device_id, kind, message, created_at, received_at, acked_by, acked_at, ack_note"
        " from alerts where device_id is not null"
    )
    for name in ('alerts_entry_kind', 'alerts_notify', 'alerts_state_created', 'alerts_received'):
        op.drop_index(name, table_name='alerts')
    op.drop_table('alerts')
    op.drop_index('home_isolation_community_end', table_name='home_isolation')
    op.drop_table('home_isolation')
