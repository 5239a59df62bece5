"""The record hash: a fixed known answer (both ends must compute it byte for byte), and
every field it covers is protected (issue 18)."""

from __future__ import annotations

import hashlib
from dataclasses import astuple, replace

import pytest

from sync.protocol.chain import GENESIS_HASH, Record, canonical_json, record_hash, verify_chain

DEVICE = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
UUID = "01938f2a-7b3c-7d4e-8f5a-6b7c8d9e0f1a"
AT = "2026-11-28T07:00:00.000000+00:00"
BODY = '{"outcome":"pass","名":"张三"}'
PREV = "ab" * 32
# SHA-256 of the canonical JSON array [device, seq, uuid, kind, created_at, body, prev_hash],
# UTF-8, no spaces, non-ASCII kept as is (docs/storage.md). Fixed: never recompute it.
KNOWN = "9e97eeccc201be82c561f088eb75e23ca0977e82dbd22b5be6f17ad2703db9fc"
MATERIAL = (
    '["3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",7,"01938f2a-7b3c-7d4e-8f5a-6b7c8d9e0f1a","gate_entry",'
    '"2026-11-28T07:00:00.000000+00:00","{\\"outcome\\":\\"pass\\",\\"名\\":\\"张三\\"}","' + "ab" * 32 + '"]'
)


def test_record_hash_known_answer() -> None:
    assert canonical_json({"名": "张三", "outcome": "pass"}) == BODY
    assert hashlib.sha256(MATERIAL.encode("utf-8")).hexdigest() == KNOWN  # the material, spelled out by hand
    assert record_hash(DEVICE, 7, UUID, "gate_entry", AT, BODY, PREV) == KNOWN


def _chain(n: int) -> list[Record]:
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        uid = f"01938f2a-7b3c-7d4e-8f5a-{seq:012x}"
        body = canonical_json({"n": seq})
        digest = record_hash(DEVICE, seq, uid, "gate_entry", AT, body, prev)
        out.append(Record(seq, uid, "gate_entry", AT, body, prev, digest))
        prev = digest
    return out


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("created_at", "2026-11-28T07:00:00.000001+00:00"),  # one microsecond earlier or later
        ("kind", "gate_exit"),
        ("uuid", "01938f2a-7b3c-7d4e-8f5a-ffffffffffff"),
        ("body", canonical_json({"n": 999})),
    ],
)
def test_changing_any_hashed_field_breaks_the_chain_at_that_record(change: str, value: str) -> None:
    rows = _chain(5)
    assert verify_chain(DEVICE, [astuple(r) for r in rows])[2] is None
    rows[2] = replace(rows[2], **{change: value})
    last_seq, last_hash, problem = verify_chain(DEVICE, [astuple(r) for r in rows])
    assert problem is not None and problem.seq == 3 and "hash mismatch" in problem.problem
    assert (last_seq, last_hash) == (2, rows[1].hash)


def test_another_device_id_does_not_verify() -> None:
    rows = [astuple(r) for r in _chain(2)]
    problem = verify_chain("another-device", rows)[2]
    assert problem is not None and problem.seq == 1 and "hash mismatch" in problem.problem
