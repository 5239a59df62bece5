"""The hash chain: canonical record bodies, their hashes, and verification of the chain.

Part of the wire protocol because both ends compute it: the kiosk's store chains each record
as it writes it (kiosk.store.db), the central server re-checks every record it ingests.
Standard library only, so importing it never drags in either end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """One byte-exact JSON form, so that both ends compute the same hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash(device_id: str, seq: int, uuid: str, kind: str, created_at: str, body: str, prev_hash: str) -> str:
    """SHA-256 over the record's identity, its canonical body and the previous hash."""
    material = canonical_json([device_id, seq, uuid, kind, created_at, body, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Record:
    seq: int
    uuid: str
    kind: str
    created_at: str
    body: str  # canonical JSON text
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    uuid: str
    problem: str

    def __str__(self) -> str:
        return f"record seq={self.seq} uuid={self.uuid}: {self.problem}"


def verify_chain(
    device_id: str,
    rows: Iterable[tuple[int, str, str, str, str, str, str]],
    anchor_seq: int = 0,
    anchor_hash: str = GENESIS_HASH,
) -> tuple[int, str, ChainProblem | None]:
    """Walk (seq, uuid, kind, created_at, body, prev_hash, hash) rows in seq order.

    Returns (last seq, last hash, first problem or None). The chain starts after the
    anchor (the last purged record) so retention does not break verification.
    """
    expect_seq, prev = anchor_seq + 1, anchor_hash
    for seq, uuid, kind, created_at, body, prev_hash, digest in rows:
        if seq != expect_seq:
            what = f"sequence gap: expected seq {expect_seq}" if seq > expect_seq else "sequence out of order"
            return expect_seq - 1, prev, ChainProblem(seq, uuid, what)
        if prev_hash != prev:
            return seq - 1, prev, ChainProblem(seq, uuid, "previous-hash link broken (a record before it was removed or altered)")
        if record_hash(device_id, seq, uuid, kind, created_at, body, prev_hash) != digest:
            return seq - 1, prev, ChainProblem(seq, uuid, "hash mismatch (the record was altered)")
        expect_seq, prev = seq + 1, digest
    return expect_seq - 1, prev, None
