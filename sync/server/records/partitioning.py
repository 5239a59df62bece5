"""Records partitioned by month (PostgreSQL declarative partitioning): the province-scale layout of
docs/central-server.md, as an operator's step on an existing database, not yet a default migration.

The partition key is the record's own `created_at` month (ISO text, so a range of 'YYYY-MM'
prefixes): a retry of a record always lands in the partition that already holds it, so the
insert's `on conflict do nothing` still makes a retry harmless. PostgreSQL requires the key in
every unique index, so uniqueness becomes (uuid, created_at) and (device_id, seq, created_at);
the ingest's own check of stored seqs (sync/server/records/ingest.py) still refuses another record at a
held seq. A default partition takes anything outside the months made, so an insert never fails.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection

INDEXES = (  # the unpartitioned table's read indexes (migrations v0001, v0004), re-made on the parent
    "create index console_records_kind_created on records (kind, created_at)",
    "create index console_records_kind_received on records (kind, received_at)",
    "create index records_device_seq_idx on records (device_id, seq)",
)


def month_bounds(month: str) -> tuple[str, str]:
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"a month is YYYY-MM, not {month!r}")
    year, mon = (int(p) for p in month.split("-"))
    nxt = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
    return month, nxt


def partition_records_by_month(conn: Connection, months: list[str]) -> None:
    """Turn `records` into a table partitioned by created_at month (one partition per 'YYYY-MM' given,
    plus a default one), moving the rows it holds. Run in one transaction with the servers stopped."""
    if conn.dialect.name != "postgresql":
        raise ValueError("partitioning needs PostgreSQL")
    conn.exec_driver_sql("lock table records in access exclusive mode")
    conn.exec_driver_sql("alter table records rename to records_unpartitioned")
    for name in ("records_pkey", "records_device_seq", "console_records_kind_created", "console_records_kind_received"):
        conn.exec_driver_sql(f"alter index if exists {name} rename to {name}_old")
    conn.exec_driver_sql("create table records (like records_unpartitioned including defaults) partition by range (created_at)")
    conn.exec_driver_sql("alter table records add constraint records_pkey primary key (uuid, created_at)")
    conn.exec_driver_sql("alter table records add constraint records_device_seq unique (device_id, seq, created_at)")
    for ddl in INDEXES:
        conn.exec_driver_sql(ddl)
    for month in sorted(set(months)):
        low, high = month_bounds(month)
        conn.exec_driver_sql(f"create table records_{low.replace('-', '_')} partition of records for values from ('{low}') to ('{high}')")
    conn.exec_driver_sql("create table records_default partition of records default")
    conn.exec_driver_sql("insert into records select * from records_unpartitioned")
    conn.exec_driver_sql("drop table records_unpartitioned")
