"""Close-contact tracing: the `passes` projection of gate records (two indexes) and `pass_people`.

Self-contained: it only adds. Migration 0011 fills the tables from gate_entry records already held
(older records carry no identity: their passes are kept as unidentified). Revision ID: 0008, revises 0007.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('passes',
    sa.Column('record_uuid', sa.String(length=36), nullable=False),
    sa.Column('community', sa.String(length=64), nullable=False),
    sa.Column('gate', sa.String(length=64), nullable=False),
    sa.Column('at_ms', sa.BigInteger(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('record_uuid')
    )
    op.create_index('passes_gate_at', 'passes', ['gate', 'at_ms', 'person_hash'], unique=False)
    op.create_index('passes_person_at', 'passes', ['person_hash', 'at_ms'], unique=False)
    with op.batch_alter_table('code_registry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_sealed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('holder_name_sealed', sa.Text(), nullable=True))
    op.create_table('pass_people',
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=40), nullable=True),
    sa.Column('name_masked', sa.String(length=40), nullable=True),
    sa.Column('id_sealed', sa.Text(), nullable=True),
    sa.Column('name_sealed', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('person_hash')
    )
    # The records already held are projected by 0011: the projection code is the ingest's own, and it
    # writes columns 0011 adds.


def downgrade() -> None:
    with op.batch_alter_table('code_registry', schema=None) as batch_op:
        batch_op.drop_column('holder_name_sealed')
        batch_op.drop_column('holder_sealed')
    op.drop_table('pass_people')
    op.drop_index('passes_person_at', table_name='passes')
    op.drop_index('passes_gate_at', table_name='passes')
    op.drop_table('passes')
