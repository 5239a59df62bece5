"""`kiosk-central verify [--device ID]` re-reads the stored records and re-checks the chain: a
record deleted (or altered) in the server's database after ingest is found and shown."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import delete, update

from sync.server.records.tables import records
from tests.sync.conftest import Server, make_kiosk


def _verify(srv: Server, *args: str) -> tuple[int, str]:
    proc = srv.central.cli("verify", *args, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_verify_finds_a_deleted_or_altered_record(sqlite_server: Server, tmp_path: Path) -> None:
    k = make_kiosk(sqlite_server, tmp_path)
    try:
        k.fill(10)
        assert k.uploader().drain(max_wait_s=2) == 0
        dev = k.creds.device_id
        code, out = _verify(sqlite_server, "--device", dev)
        assert code == 0 and f"{dev}  ok: verified through seq 10" in out

        with sqlite_server.engine.begin() as conn:
            conn.execute(delete(records).where(records.c.device_id == dev, records.c.seq == 5))
        listed = json.loads(sqlite_server.central.cli("device", "list", "--json").stdout)
        assert listed[0]["chain_status"] == "ok"  # ingest never saw the deletion
        code, out = _verify(sqlite_server, "--device", dev)
        assert code == 1 and "seq 5-5 missing" in out and "deleted" in out
        listed = json.loads(sqlite_server.central.cli("device", "list", "--json").stdout)
        assert listed[0]["chain_status"] == "broken" and "seq 5-5 missing" in listed[0]["chain_problem"]

        k.fill(1)
        assert k.uploader().drain(max_wait_s=2) == 0
        with sqlite_server.engine.begin() as conn:
            conn.execute(update(records).where(records.c.device_id == dev, records.c.seq == 5 - 1).values(body='{"i":99}'))
            conn.execute(delete(records).where(records.c.device_id == dev, records.c.seq == 11))
        code, out = _verify(sqlite_server)  # every device
        assert code == 1 and "seq 4: hash mismatch" in out
    finally:
        k.proxy.close()
        k.store.close()


def test_verify_accepts_a_known_gap_above_the_acknowledged_prefix(sqlite_server: Server, tmp_path: Path) -> None:
    from sync.client import Step
    from tests.sync.faultproxy import status

    k = make_kiosk(sqlite_server, tmp_path)
    try:
        k.fill(1)
        k.proxy.push(status(413))
        up = k.uploader()
        assert up.step() is Step.PARKED  # seq 1 parked: the server holds 2..6 past a gap
        k.fill(5)
        assert up.drain(max_wait_s=1) == 0
        code, out = _verify(sqlite_server, "--device", k.creds.device_id, "--json")
        assert code == 0, out
        assert json.loads(out)[0] == {"device_id": k.creds.device_id, "ok": True, "verified_through_seq": 0,
                                      "acked_through_seq": 0, "problem": None}
    finally:
        k.proxy.close()
        k.store.close()
