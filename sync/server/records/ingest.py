"""Batch ingest: insert-or-ignore on the record UUID, then advance the device's verified chain.

All inside one transaction with the device row locked, so concurrent retries of the same
device (several workers) are serialised and the ack is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, text, update
from sqlalchemy.dialects import sqlite

from sync.protocol import BatchAck, ChainReport, ErrorCode, ProtocolError, SeqRange, WireRecord
from sync.server.alerts import alerts
from sync.server.contacts.passes import project
from sync.server.devices.tables import devices
from sync.server.records.fastparse import ENCODE, Batch, FastDoctor, FastRecord
from sync.server.records.held import held_ranges
from sync.server.records.tables import batches, records

WALK_CHUNK = 5000
MAX_GAPS_REPORTED = 50


@dataclass
class ChainState:
    stored_through: int
    verified_through: int
    verified_hash: str
    max_seq: int
    status: str
    problem: str | None


# PostgreSQL: the batch goes over as ONE json parameter expanded server-side (json_to_recordset),
# instead of a 1,000-row VALUES list the driver re-parses per batch or arrays it escapes element
# by element (measured: 2.5x and 1.6x slower; docs/benchmarks.md).
PG_INSERT = text(
    "insert into records (uuid, device_id, seq, kind, created_at, body, prev_hash, hash, received_at, batch_id) "
    "select t.uuid, :device_id, t.seq, t.kind, t.created_at, t.body, t.prev_hash, t.hash, :received_at, :batch_id "
    "from json_to_recordset(cast(:rows as json)) as t(uuid text, seq bigint, kind text, created_at text, body text, "
    "prev_hash text, hash text) "
    "on conflict do nothing returning uuid"
)
WIRE_FIELDS = ("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash")


def _rows_json(fresh: Sequence[FastRecord | WireRecord]) -> str:
    """The records' WIRE_FIELDS as one JSON array (msgspec writes a FastRecord's fields in that order)."""
    if fresh and isinstance(fresh[0], FastRecord):
        return ENCODE(fresh).decode("utf-8")
    return json.dumps([r.model_dump(include=set(WIRE_FIELDS)) for r in fresh if isinstance(r, WireRecord)], ensure_ascii=False)


def _insert_records(conn: Connection, batch: Batch, fresh: Sequence[FastRecord | WireRecord], now_iso: str) -> set[str]:
    """Insert-or-ignore (on the UUID and on device+seq); returns the uuids of the rows that were new."""
    if conn.dialect.name == "postgresql":
        rows_json = _rows_json(fresh)
        result = conn.execute(PG_INSERT, {"device_id": batch.device_id, "received_at": now_iso, "batch_id": batch.batch_id, "rows": rows_json})
        return {r[0] for r in result.all()}
    rows = [
        {"uuid": r.uuid, "device_id": batch.device_id, "seq": r.seq, "kind": r.kind, "created_at": r.created_at, "body": r.body,
         "prev_hash": r.prev_hash, "hash": r.hash, "received_at": now_iso, "batch_id": batch.batch_id}
        for r in fresh
    ]
    return {r[0] for r in conn.execute(sqlite.insert(records).on_conflict_do_nothing().returning(records.c.uuid), rows).all()}


def _lock_device(conn: Connection, device_id: str) -> Row[Any]:
    query = select(devices).where(devices.c.device_id == device_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise ProtocolError(401, ErrorCode.UNKNOWN_DEVICE, f"device {device_id!r} is not enrolled")
    return row


def _doctor_columns(batch: Batch) -> dict[str, Any]:
    """The kiosk's last doctor result, when the batch carries one (older kiosks do not)."""
    doctor = batch.doctor
    if doctor is None:
        return {}
    as_json = ENCODE(doctor).decode("utf-8") if isinstance(doctor, FastDoctor) else doctor.model_dump_json()
    return {"doctor_at": doctor.at, "doctor_ok": doctor.ok, "doctor_json": as_json}


def ingest_batch(conn: Connection, batch: Batch, body_sha256: str, now_iso: str, notify: bool = False,
                 bodies: Sequence[dict[str, Any]] | None = None) -> BatchAck:
    """`bodies`: each record's body decoded, in record order, when the parse has them (fastparse.Parsed)."""
    dev = _lock_device(conn, batch.device_id)
    seen = conn.execute(select(batches.c.device_id, batches.c.body_sha256).where(batches.c.batch_id == batch.batch_id)).first()
    if seen is not None and (seen.device_id != batch.device_id or seen.body_sha256 != body_sha256):
        raise ProtocolError(422, ErrorCode.IDEMPOTENCY_CONFLICT, f"batch id {batch.batch_id} was already used for a different body; use a new batch id")
    low = batch.records[0].seq
    if low <= dev.anchor_seq:
        raise ProtocolError(422, ErrorCode.INVALID, f"record seq {low} is at or below the device's enrolment anchor ({dev.anchor_seq})")

    existing = {  # nothing can be stored above the device's max seq (kept under this row lock): the common case skips the read
        r.seq: (r.uuid, r.hash)
        for r in conn.execute(
            select(records.c.seq, records.c.uuid, records.c.hash).where(
                records.c.device_id == batch.device_id, records.c.seq.between(low, batch.records[-1].seq)
            )
        )
    } if low <= dev.max_seq else {}
    problems: list[str] = []
    fresh: list[FastRecord | WireRecord] = []
    for rec in batch.records:
        held = existing.get(rec.seq)
        if held is None:
            fresh.append(rec)
        elif held != (rec.uuid, rec.hash):
            problems.append(f"seq {rec.seq} is already stored with uuid {held[0]} hash {held[1][:12]}…, not uuid {rec.uuid} hash {rec.hash[:12]}…")
    stored = _insert_records(conn, batch, fresh, now_iso) if fresh else set()
    inserted = len(stored)
    if stored:  # alerts in (or derived from) the new records; one sent ahead by the lane is not stored twice
        alerts.from_records(conn, batch.device_id, (r for r in fresh if r.uuid in stored), now_iso, notify)
    if stored:  # the contacts projection: only what this batch newly stored (a retry adds nothing)
        decoded: dict[str, dict[str, Any]] = dict(zip((r.uuid for r in batch.records), bodies, strict=True)) if bodies is not None else {}
        project(conn, dev.community, batch.device_id,
                ((r.uuid, r.kind, r.created_at, decoded.get(r.uuid, r.body)) for r in fresh if r.uuid in stored))
    if inserted < len(fresh):
        problems.append(f"{len(fresh) - inserted} record uuid(s) are already stored for another device")
    if seen is None:
        conn.execute(insert(batches).values(batch_id=batch.batch_id, device_id=batch.device_id, body_sha256=body_sha256,
                                            received_at=now_iso, records=len(batch.records), stored=inserted))

    state = ChainState(dev.stored_through_seq, dev.verified_through_seq, dev.verified_hash,
                       max(dev.max_seq, batch.records[-1].seq), dev.chain_status, dev.chain_problem)
    if problems and state.status != "broken":
        state.status, state.problem = "conflict", problems[0]
    if not problems and dev.max_seq <= dev.stored_through_seq and low == dev.stored_through_seq + 1:
        _advance_rows(state, ((r.seq, r.prev_hash, r.hash) for r in batch.records))  # the common case: no re-read
    else:
        _advance(conn, batch.device_id, state)
    gaps = find_gaps(conn, batch.device_id, state)
    past_gap, held_complete = held_ranges(conn, batch.device_id, state.stored_through, state.max_seq)
    if state.status in ("ok", "gap"):
        state.status = "gap" if gaps else "ok"
    conn.execute(
        update(devices).where(devices.c.device_id == batch.device_id).values(
            last_seen_at=now_iso, reported_last_seq=batch.device_last_seq or dev.reported_last_seq, stored_through_seq=state.stored_through, verified_through_seq=state.verified_through,
            verified_hash=state.verified_hash, max_seq=state.max_seq, chain_status=state.status, chain_problem=state.problem,
            **_doctor_columns(batch),
        )
    )
    return BatchAck(
        batch_id=batch.batch_id, device_id=batch.device_id, received=len(batch.records), stored=inserted,
        duplicates=len(batch.records) - len(fresh), acked_through_seq=state.stored_through,
        chain=ChainReport(status=state.status, verified_through_seq=state.verified_through, last_hash=state.verified_hash,  # type: ignore[arg-type]
                          gaps=gaps, problem=state.problem),
        server_time=now_iso, held_ranges=past_gap, held_complete=held_complete,
    )


def _advance(conn: Connection, device_id: str, st: ChainState) -> None:
    """Walk stored records after the contiguous prefix (from the database, in chunks)."""
    while True:
        rows = conn.execute(
            select(records.c.seq, records.c.prev_hash, records.c.hash)
            .where(records.c.device_id == device_id, records.c.seq > st.stored_through)
            .order_by(records.c.seq).limit(WALK_CHUNK)
        ).all()
        if not _advance_rows(st, ((r[0], r[1], r[2]) for r in rows)) or len(rows) < WALK_CHUNK:
            return


def _advance_rows(st: ChainState, rows: Iterable[tuple[int, str, str]]) -> bool:
    """Extend the contiguous prefix over (seq, prev_hash, hash) rows in seq order, and the verified
    chain while the links hold. False when a gap stops it."""
    for seq, prev_hash, digest in rows:
        if seq != st.stored_through + 1:
            return False
        linked = st.verified_through == st.stored_through and st.status != "broken"
        st.stored_through = seq
        if linked and prev_hash == st.verified_hash:
            st.verified_through, st.verified_hash = seq, digest
        elif linked:
            st.status = "broken"
            st.problem = (f"seq {seq}: previous-hash link broken (expected {st.verified_hash[:12]}…, got {prev_hash[:12]}…): "
                          "a record before it was altered or replaced")
    return True


def find_gaps(conn: Connection, device_id: str, st: ChainState) -> list[SeqRange]:
    if st.max_seq <= st.stored_through:
        return []
    seqs = conn.execute(
        select(records.c.seq).where(records.c.device_id == device_id, records.c.seq > st.stored_through)
        .order_by(records.c.seq).limit(WALK_CHUNK)
    ).scalars()
    gaps, expect = [], st.stored_through + 1
    for seq in seqs:
        if seq > expect:
            gaps.append(SeqRange(first=expect, last=seq - 1))
            if len(gaps) >= MAX_GAPS_REPORTED:
                break
        expect = seq + 1
    return gaps
