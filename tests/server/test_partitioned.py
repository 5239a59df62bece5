"""Records partitioned by month: an existing, migrated PostgreSQL database is turned into the
partitioned layout (rows kept), and the real server ingests into it: batches spanning two months and
a default partition, a retry stored once, a conflicting record at a held seq refused, chains verified."""

from __future__ import annotations

import uuid
from pathlib import Path

from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash
from sync.server.db import make_engine
from sync.server.records.partitioning import partition_records_by_month
from tests.server.central import create_pg_database, drop_pg_database, new_store, start_central


def _records(journal_id: str, first: int, stamps: list[str], prev: str) -> list[dict[str, object]]:
    out = []
    for seq, at in enumerate(stamps, start=first):
        uid, body = str(uuid.uuid4()), canonical_json({"outcome": "pass", "n": seq})
        digest = record_hash(journal_id, seq, uid, "gate_entry", at, body, prev)
        out.append({"uuid": uid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": prev, "hash": digest})
        prev = digest
    return out


def test_partitioned_records_migrate_and_ingest(tmp_path: Path) -> None:
    url = create_pg_database()
    central = start_central(tmp_path / "central", url)  # migrates to head
    engine = make_engine(url)
    store = new_store(tmp_path)
    try:
        k = central.enrol(store)
        before = _records(k.journal_id, 1, ["2026-10-31T23:59:59.000+00:00", "2026-11-01T00:00:00.000+00:00"], GENESIS_HASH)
        assert k.send(before).json()["stored"] == 2
        central.stop()  # operators partition with the servers stopped

        with engine.begin() as conn:
            partition_records_by_month(conn, ["2026-10", "2026-11", "2026-12"])
        with engine.connect() as conn:
            assert conn.exec_driver_sql("select relkind from pg_class where relname = 'records'").scalar() == "p"
            where = dict(conn.exec_driver_sql("select uuid, tableoid::regclass::text from records").all())
        assert where == {before[0]["uuid"]: "records_2026_10", before[1]["uuid"]: "records_2026_11"}  # rows kept, by month

        central = start_central(tmp_path / "central", url)
        k.central = central
        stamps = ["2026-11-30T23:00:00.000+00:00", "2026-12-01T08:00:00.000+00:00", "2027-01-02T08:00:00.000+00:00"]
        after = _records(k.journal_id, 3, stamps, str(before[-1]["hash"]))
        first = k.send(after)
        assert first.status_code == 200 and first.json()["stored"] == 3 and first.json()["acked_through_seq"] == 5, first.text
        retry = k.send(after)  # a retry (new batch id): nothing twice
        assert retry.json()["stored"] == 0 and retry.json()["duplicates"] == 3
        forged = _records(k.journal_id, 5, ["2026-12-15T00:00:00.000+00:00"], str(after[1]["hash"]))  # another record at seq 5
        assert k.send(forged).json()["chain"]["status"] == "conflict"
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("select seq, tableoid::regclass::text from records order by seq").all()
        assert rows == [(1, "records_2026_10"), (2, "records_2026_11"), (3, "records_2026_11"), (4, "records_2026_12"), (5, "records_default")]
        dev = central.admin_get("/admin/devices")[0]
        assert (dev["records"], dev["verified_through_seq"]) == (5, 5)
    finally:
        central.stop()
        store.close()
        engine.dispose()
        drop_pg_database(url)
