"""Close contacts: a number per person (pass_people.person_no) carried on every pass, and covering indexes
on it, so the contact queries group and join on a 4-byte number read from the index alone; a number
per gate (pass_gates), so depth 2 can hold the gates a person was found at as bits of an integer.

pass_people is rebuilt with person_no as its primary key (SERIAL on PostgreSQL, the rowid on SQLite;
person_hash stays unique); passes get person_no from it. A database whose projection is still empty
(upgraded from before 0008, which no longer fills it) has its gate records projected here.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPY = ("insert into pass_people (person_hash, id_masked, name_masked, id_sealed, name_sealed)"
        " select person_hash, id_masked, name_masked, id_sealed, name_sealed from pass_people_old order by person_hash")


def _who_columns() -> list[sa.Column[str]]:
    return [sa.Column("id_masked", sa.String(40)), sa.Column("name_masked", sa.String(40)),
            sa.Column("id_sealed", sa.Text()), sa.Column("name_sealed", sa.Text())]


def _set_aside_pass_people() -> None:
    """Rename the table (and, on PostgreSQL, its primary key's index: the new table's takes the name)."""
    op.rename_table("pass_people", "pass_people_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("alter index pass_people_pkey rename to pass_people_old_pkey")


def upgrade() -> None:
    _set_aside_pass_people()
    op.create_table("pass_people", sa.Column("person_no", sa.Integer(), primary_key=True),
                    sa.Column("person_hash", sa.String(64), nullable=False), *_who_columns(),
                    sa.UniqueConstraint("person_hash", name="pass_people_hash"))
    op.execute(COPY)  # numbered in hash order
    op.drop_table("pass_people_old")

    # The old indexes go first: the update then maintains only the primary key's.
    op.drop_index("passes_gate_at", table_name="passes")
    op.drop_index("passes_person_at", table_name="passes")
    op.add_column("passes", sa.Column("person_no", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # one hash join, not a look-up per pass
        op.execute("update passes set person_no = pp.person_no from pass_people pp where pp.person_hash = passes.person_hash")
    else:
        op.execute("update passes set person_no = (select pp.person_no from pass_people pp where pp.person_hash = passes.person_hash)"
                   " where person_hash is not null")
    op.create_index("passes_gate_at", "passes", ["gate", "at_ms", "person_no", "direction"])
    op.create_index("passes_person_at", "passes", ["person_no", "at_ms", "gate", "direction"])

    op.create_table("pass_gates", sa.Column("gate_no", sa.Integer(), primary_key=True),
                    sa.Column("gate", sa.String(64), nullable=False), sa.UniqueConstraint("gate", name="pass_gates_gate"))
    op.execute("insert into pass_gates (gate) select distinct gate from passes order by gate")

    conn = op.get_bind()
    if conn.execute(sa.text("select 1 from passes limit 1")).first() is None:
        from sync.server.contacts.passes import backfill  # the ingest's own projection code, on the schema it writes

        backfill(conn)


def downgrade() -> None:
    op.drop_table("pass_gates")
    op.drop_index("passes_person_at", table_name="passes")
    op.drop_index("passes_gate_at", table_name="passes")
    with op.batch_alter_table("passes") as batch:
        batch.drop_column("person_no")
    op.create_index("passes_gate_at", "passes", ["gate", "at_ms", "person_hash"])
    op.create_index("passes_person_at", "passes", ["person_hash", "at_ms"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("alter table pass_people rename constraint pass_people_hash to pass_people_old_hash")
    _set_aside_pass_people()
    op.create_table("pass_people", sa.Column("person_hash", sa.String(64), primary_key=True), *_who_columns())
    op.execute(COPY)
    op.drop_table("pass_people_old")
