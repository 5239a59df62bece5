"""Batch ingest against the real server (SQLite and PostgreSQL): acks, idempotency, gaps, chain checks."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sync.protocol import BatchAck
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash
from tests.server.central import Central, Kiosk, enrol_body, error_of, new_store


def _ack(resp: object) -> BatchAck:
    assert getattr(resp, "status_code", None) == 200, getattr(resp, "text", resp)
    return BatchAck.model_validate_json(resp.content)  # type: ignore[attr-defined]


def test_batch_is_stored_and_acked_through_its_last_seq(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(25)
    ack = _ack(kiosk.send(recs))
    assert (ack.received, ack.stored, ack.duplicates, ack.acked_through_seq) == (25, 25, 0, 25)
    assert ack.chain.status == "ok" and ack.chain.verified_through_seq == 25 and ack.chain.last_hash == recs[-1]["hash"]
    assert central.records_count(kiosk.device_id) == 25
    assert central.cli("records", "count", "--device", kiosk.device_id, subprocess_=True).stdout.strip() == "25"
    # the server's view matches the kiosk's own chain head
    assert kiosk.store.db.execute("select last_hash from device_state").fetchone()[0] == ack.chain.last_hash


def test_resending_a_batch_stores_nothing_twice(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(10)
    batch_id, body = kiosk.batch_body(recs)
    from tests.server.central import batch_headers

    first = _ack(kiosk.post("/v1/batches", body, headers=batch_headers(batch_id)))
    again = _ack(kiosk.post("/v1/batches", body, headers=batch_headers(batch_id)))  # same bytes, fresh signature
    assert (first.stored, again.stored, again.duplicates, again.acked_through_seq) == (10, 0, 10, 10)
    overlap = _ack(kiosk.send(recs[5:] + kiosk.append(5)))  # a new batch overlapping the old one
    assert (overlap.stored, overlap.duplicates, overlap.acked_through_seq) == (5, 5, 15)
    assert central.records_count(kiosk.device_id) == 15


def test_same_batch_id_with_another_body_is_refused(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(4)
    batch_id = str(uuid.uuid4())
    _ack(kiosk.send(recs[:2], batch_id))
    resp = kiosk.send(recs[2:], batch_id)
    assert resp.status_code == 422 and error_of(resp)["code"] == "idempotency-conflict"
    assert central.records_count(kiosk.device_id) == 2
    logged = central.admin_get("/admin/sync-log", device=kiosk.device_id, limit=1)[0]
    assert (logged["batch_id"], logged["status"], logged["error_code"], logged["records"]) == (batch_id, 422, "idempotency-conflict", 2)


def test_a_gap_holds_the_ack_back_until_it_is_filled(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(30)
    _ack(kiosk.send(recs[:10]))
    ahead = _ack(kiosk.send(recs[20:]))  # 11..20 not yet delivered
    assert ahead.stored == 10 and ahead.acked_through_seq == 10
    assert ahead.chain.status == "gap" and [(g.first, g.last) for g in ahead.chain.gaps] == [(11, 20)]
    device = next(d for d in central.admin_get("/admin/devices") if d["device_id"] == kiosk.device_id)
    assert device["gaps"] == [{"first": 11, "last": 20}] and device["chain_status"] == "gap"
    filled = _ack(kiosk.send(recs[10:20]))
    assert filled.acked_through_seq == 30 and filled.chain.status == "ok" and filled.chain.verified_through_seq == 30


def _forged(device_id: str, seq: int, prev_hash: str) -> dict[str, object]:
    """A record whose own hash is right but whose link to the previous one is not."""
    uid, body, at = str(uuid.uuid4()), canonical_json({"forged": True}), "2026-11-28T07:00:00.000000+00:00"
    digest = record_hash(device_id, seq, uid, "gate_entry", at, body, prev_hash)
    return {"uuid": uid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": body, "prev_hash": prev_hash, "hash": digest}


def test_a_broken_link_is_reported_and_kept_as_evidence(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(3)
    _ack(kiosk.send(recs))
    forged = _forged(kiosk.journal_id, 4, "ab" * 32)
    ack = _ack(kiosk.send([forged]))
    assert ack.acked_through_seq == 4 and ack.chain.status == "broken" and ack.chain.verified_through_seq == 3
    assert "seq 4" in (ack.chain.problem or "")
    device = next(d for d in central.admin_get("/admin/devices") if d["device_id"] == kiosk.device_id)
    assert device["chain_status"] == "broken" and device["verified_through_seq"] == 3


def test_a_different_record_under_a_stored_seq_is_a_conflict(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(2)
    _ack(kiosk.send(recs))
    ack = _ack(kiosk.send([_forged(kiosk.journal_id, 2, recs[0]["hash"])]))
    assert ack.stored == 0 and ack.chain.status == "conflict" and "seq 2" in (ack.chain.problem or "")
    assert central.records_count(kiosk.device_id) == 2


def test_the_same_seq_and_uuid_with_another_body_is_a_conflict(kiosk: Kiosk, central: Central) -> None:
    recs = kiosk.append(2)
    _ack(kiosk.send(recs))
    kept = recs[1]
    body = canonical_json({"rewritten": True})  # a new body, and a hash that is right for it
    digest = record_hash(kiosk.journal_id, 2, str(kept["uuid"]), str(kept["kind"]), str(kept["created_at"]), body, str(kept["prev_hash"]))
    ack = _ack(kiosk.send([{**kept, "body": body, "hash": digest}]))
    assert ack.stored == 0 and ack.duplicates == 1
    assert ack.chain.status == "conflict" and "seq 2" in (ack.chain.problem or "")
    assert ack.acked_through_seq == 2 and ack.chain.verified_through_seq == 2 and ack.chain.last_hash == kept["hash"]
    assert central.records_count(kiosk.device_id) == 2


def test_records_below_the_enrolment_anchor_are_refused(central: Central, tmp_path: Path) -> None:
    store = new_store(tmp_path)
    k = central.enrol(store)
    recs = k.append(3)
    # re-enrol a second device claiming records up to seq 2 were purged before enrolment
    store2 = new_store(tmp_path)
    code = central.enrol_code()
    import requests

    with store2.writing() as w:
        r = [w.append("gate_entry", {"i": i}) for i in range(3)]
    resp = requests.post(central.url + "/v1/enroll", timeout=10, json=enrol_body(code, store2.device_id, anchor_seq=2, anchor_hash=r[1].hash))
    assert resp.status_code == 200, resp.text
    k2 = Kiosk(central, store2, resp.json()["device_id"], resp.json()["device_secret"], resp.json())
    from sync.protocol import wire_record

    ack = _ack(k2.send([wire_record(r[2])]))
    assert ack.acked_through_seq == 3 and ack.chain.status == "ok" and ack.chain.verified_through_seq == 3
    low = k2.send([wire_record(r[0])])
    assert low.status_code == 422 and "anchor" in error_of(low)["message"]
    assert recs and k.send(recs).status_code == 200
    store.close()
    store2.close()


def test_many_kiosks_at_once_each_get_their_own_exact_ack(central: Central, tmp_path: Path) -> None:
    kiosks = [central.enrol(new_store(tmp_path), f"gate {i}") for i in range(6)]
    batches = [(k, k.append(40)) for k in kiosks]

    def upload(item: tuple[Kiosk, list[dict[str, object]]]) -> list[int]:
        k, recs = item
        return [_ack(k.send(recs[i : i + 10])).acked_through_seq for i in range(0, 40, 10)]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(upload, batches))
    assert results == [[10, 20, 30, 40]] * 6
    counts = {r["device_id"]: r["records"] for r in json.loads(central.cli("records", "count", "--json").stdout)}
    assert all(counts[k.device_id] == 40 for k in kiosks)
    for k in kiosks:
        k.store.close()


def test_the_first_record_must_link_to_the_genesis_hash(kiosk: Kiosk) -> None:
    ack = _ack(kiosk.send([_forged(kiosk.journal_id, 1, "cd" * 32)]))
    assert ack.chain.status == "broken" and ack.chain.verified_through_seq == 0
    assert GENESIS_HASH == "0" * 64


def test_racing_retries_of_one_batch_store_it_once(kiosk: Kiosk, central: Central) -> None:
    """A kiosk that timed out and retried while the first attempt was still being processed
    (several workers on PostgreSQL): the device row lock serialises them."""
    from tests.server.central import batch_headers

    recs = kiosk.append(500)
    batch_id, body = kiosk.batch_body(recs)
    with ThreadPoolExecutor(5) as pool:
        acks = list(pool.map(lambda _: _ack(kiosk.post("/v1/batches", body, headers=batch_headers(batch_id))), range(5)))
    assert sum(a.stored for a in acks) == 500 and sorted(a.duplicates for a in acks) == [0, 500, 500, 500, 500]
    assert all(a.acked_through_seq == 500 and a.chain.status == "ok" for a in acks)
    assert central.records_count(kiosk.device_id) == 500


def test_a_revoked_kiosk_is_refused_for_good_and_its_records_stay(kiosk: Kiosk, central: Central) -> None:
    _ack(kiosk.send(kiosk.append(3)))
    central.cli("device", "revoke", kiosk.device_id)
    refused = kiosk.send(kiosk.append(2))
    assert refused.status_code == 403 and error_of(refused)["code"] == "device-revoked"
    assert "revoked" in error_of(refused)["message"]
    assert central.records_count(kiosk.device_id) == 3
    listed = json.loads(central.cli("device", "list", "--json").stdout)
    assert next(d for d in listed if d["device_id"] == kiosk.device_id)["disabled"] is True
    enable = central.cli("device", "enable", kiosk.device_id, check=False)
    assert enable.returncode == 2 and "permanent" in enable.stderr
    assert kiosk.send(_all(kiosk)).status_code == 403
    assert central.cli("device", "revoke", "no-such-device", check=False).returncode == 2


def _all(k: Kiosk) -> list[dict[str, object]]:
    from sync.protocol import wire_record
    from sync.protocol.chain import Record

    rows = k.store.db.execute("select seq, uuid, kind, created_at, body, prev_hash, hash from journal order by seq").fetchall()
    return [wire_record(Record(*r)) for r in rows]


def test_backlog_is_shown_from_what_the_kiosk_reports(kiosk: Kiosk, central: Central) -> None:
    from sync.protocol import encode_batch
    from tests.server.central import batch_headers

    recs = kiosk.append(50)
    batch_id = str(uuid.uuid4())
    body = encode_batch(kiosk.device_id, batch_id, recs[:10], device_last_seq=50)
    _ack(kiosk.post("/v1/batches", body, headers=batch_headers(batch_id)))
    device = next(d for d in central.admin_get("/admin/devices") if d["device_id"] == kiosk.device_id)
    assert (device["backlog"], device["records"], device["acked_through_seq"], device["reported_last_seq"]) == (40, 10, 10, 50)
    assert device["last_seen_at"] is not None and device["chain_status"] == "ok"
