"""Bulk history for the console benchmark: records shaped exactly as kiosks upload them (the gate
service's gate_entry body, its temperature reading, the fever `alert` record), hash-chained under each
gate's journal id and stored with PostgreSQL COPY straight into the server's `records` and `batches`
tables, then the gates' chain state set as ingest would leave it. Used by bench_console.py only."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import uuid6

from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash

BATCH = 50  # records per upload batch: the kiosk's default batch size
FEVER_EVERY = 400  # about one entry in 400 is a confirmed fever (an alert record follows it)
RED_EVERY = 800  # about one in 800 shows a red code
KEY_EVERY = 200  # about one arrival in 200 is a key person (a key-group flag, or from a medium/high-risk area)
KEY_GROUPS = ["inbound", "cold-chain", "released-or-recovered", "risk-area-14d"]


@dataclass
class Gate:
    device_id: str  # the server's id
    journal_id: str  # what the kiosk hashes its records under


def _entry(rng: random.Random, seq: int, direction: str) -> tuple[dict[str, Any], str]:
    """A gate_entry body as kiosk/service/gate_record.py puts it together, and the temperature verdict."""
    fever = direction == "in" and rng.randrange(FEVER_EVERY) == 0
    red = rng.randrange(RED_EVERY) == 0
    colour = "red" if red else "green"
    outcome = "deny" if (fever or red) else ("review" if rng.random() < 0.02 else "pass")
    verdict = "fever-confirmed" if fever else ("normal" if direction == "in" else "not-measured")
    value = round(rng.uniform(37.4, 38.6) if fever else rng.uniform(36.0, 37.0), 1)
    readings = [{"value_c": value, "method": "forehead", "classification": "fever" if fever else "normal"}] if direction == "in" else []
    visitor = rng.random() < 0.08
    key = direction == "in" and rng.randrange(KEY_EVERY) == 0
    groups = [rng.choice(KEY_GROUPS)] if key and rng.random() < 0.7 else []
    risk_level = "medium" if key and not groups else None
    body = {
        "direction": direction, "person_kind": "visitor" if visitor else "resident",
        "person_uuid": None if visitor else str(uuid.UUID(int=rng.getrandbits(128))), "lane": "scan", "mode": "normal",
        "guard": f"guard-{rng.randrange(1, 6):02d}", "id_masked": f"1101{'*' * 10}{rng.randrange(10000):04d}",
        "code": {"format": "cn-token", "status": "verified", "colour": colour, "colour_source": "signed", "reason": "",
                 "kid": "demo-issuer-1", "holder_name_masked": "张*", "id_masked": f"1101{'*' * 10}{rng.randrange(10000):04d}"},
        "colour": colour, "colour_source": "signed", "attested_colour": None,
        "temperature": {"verdict": verdict, "readings": readings},
        "key_groups": groups, "risk_level": risk_level, "outcome": outcome,
        "reasons": (["red-code"] if red else []) + (["fever-confirmed"] if fever else []), "notes": [],
        "occupancy": seq % 900, "capacity": 0,
    }
    return body, verdict


def gate_rows(gate: Gate, n: int, start: datetime, end: datetime, seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], str]:
    """(records rows, batches rows, last hash) for one gate: n records between start and end."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    stamps = sorted(rng.random() * span for _ in range(n))
    rows: list[tuple[Any, ...]] = []
    prev, seq = GENESIS_HASH, 0

    def add(kind: str, body: dict[str, Any], at: datetime) -> str:
        nonlocal prev, seq
        seq += 1
        uid, created = str(uuid6.uuid7()), at.isoformat(timespec="microseconds")
        text = canonical_json(body)
        digest = record_hash(gate.journal_id, seq, uid, kind, created, text, prev)
        rows.append((uid, gate.device_id, seq, kind, created, text, prev, digest))
        prev = digest
        return uid

    while seq < n:
        at = start + timedelta(seconds=stamps[seq])  # an entry and its readings share one time
        direction = "in" if rng.random() < 0.55 else "out"
        body, verdict = _entry(rng, seq, direction)
        entry_uuid = add("gate_entry", body, at)
        for r in body["temperature"]["readings"]:
            if seq < n:
                add("temperature", {"entry_uuid": entry_uuid, "value_c": r["value_c"], "method": r["method"],
                                    "classification": r["classification"], "valid": True}, at)
        if verdict == "fever-confirmed" and seq < n:
            add("alert", {"kind": "fever-confirmed", "entry_uuid": entry_uuid,
                          "message": f"confirmed fever {body['temperature']['readings'][0]['value_c']:.1f} °C at the gate (发热复测确认)"}, at)
    # Upload batches: every BATCH records go up together a few seconds after the last was written.
    out, batch_rows = [], []
    for b in range(0, len(rows), BATCH):
        chunk = rows[b : b + BATCH]
        bid = str(uuid.uuid4())
        last = datetime.fromisoformat(chunk[-1][4])
        received = min(last + timedelta(seconds=rng.uniform(0.3, 5.0)), end).isoformat(timespec="milliseconds")
        out += [(*r, received, bid) for r in chunk]
        batch_rows.append((bid, gate.device_id, uuid.uuid4().hex + uuid.uuid4().hex, received, len(chunk), len(chunk)))
    return out, batch_rows, prev


def load(dsn: str, gates: list[Gate], per_gate: list[int], start: datetime, end: datetime) -> dict[str, float]:
    """COPY every gate's history; set each device's chain state as ingest would; VACUUM ANALYZE."""
    t0 = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        for k, (gate, n) in enumerate(zip(gates, per_gate, strict=True)):
            recs, batches, last_hash = gate_rows(gate, n, start, end, seed=k)
            with conn.cursor() as cur:
                with cur.copy("COPY records (uuid, device_id, seq, kind, created_at, body, prev_hash, hash, received_at, batch_id) FROM STDIN") as cp:
                    for r in recs:
                        cp.write_row(r)
                with cur.copy("COPY batches (batch_id, device_id, body_sha256, received_at, records, stored) FROM STDIN") as cp:
                    for b in batches:
                        cp.write_row(b)
                cur.execute("update devices set stored_through_seq = %s, verified_through_seq = %s, max_seq = %s, reported_last_seq = %s,"
                            " verified_hash = %s, last_seen_at = %s, chain_status = 'ok' where device_id = %s",
                            (n, n, n, n, last_hash, recs[-1][8], gate.device_id))
            conn.commit()
    built = (datetime.now(UTC) - t0).total_seconds()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("vacuum analyze records")
        conn.execute("vacuum analyze batches")
    return {"copy_s": built, "total_s": (datetime.now(UTC) - t0).total_seconds()}
