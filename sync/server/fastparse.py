"""The server's fast path for a batch body: msgspec instead of pydantic (issue 15, profiled).

The same rules as sync.protocol's BatchEnvelope (strict types, no unknown fields, the same
patterns, limits, ISO times with an offset, bodies that are JSON objects, ascending seqs, each
record's own hash), checked by msgspec at C speed. It is at least as strict as the pydantic
model (patterns end in \\Z where pydantic's `$` never matched before a newline either), and it
never writes an error message of its own: anything it refuses goes through the pydantic parse,
so a refused batch gets exactly the clear, field-naming answer it always got.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import msgspec

from sync.protocol import BatchEnvelope, parse_batch
from sync.protocol.messages import MAX_RECORD_BODY_CHARS, _utc_iso

UUID = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")]
HEX64 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}\Z")]
ISO_TIME = Annotated[str, msgspec.Meta(max_length=40)]
KIND = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_.-]{1,64}\Z")]
DEVICE_ID = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:-]{1,64}\Z")]
BIGINT_MAX = 2**63 - 1  # the column's range; pydantic alone decides about anything larger


class FastRecord(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # field order = sync.server.ingest.WIRE_FIELDS: msgspec.json.encode(records) is the insert's JSON parameter
    uuid: UUID
    seq: Annotated[int, msgspec.Meta(ge=1, le=BIGINT_MAX)]
    kind: KIND
    created_at: ISO_TIME
    body: Annotated[str, msgspec.Meta(max_length=MAX_RECORD_BODY_CHARS)]
    prev_hash: HEX64
    hash: HEX64


class FastEnvelope(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    device_id: DEVICE_ID
    batch_id: UUID
    sent_at: ISO_TIME
    records: Annotated[list[FastRecord], msgspec.Meta(min_length=1)]
    protocol: Literal[1] = 1
    device_last_seq: Annotated[int, msgspec.Meta(ge=0, le=BIGINT_MAX)] | None = None


_DECODER = msgspec.json.Decoder(FastEnvelope)
_OBJECT = msgspec.json.Decoder(dict)
_ENCODE = msgspec.json.Encoder().encode


def _fast(raw: bytes, max_records: int, signer: str | None, chain_id: str | None) -> FastEnvelope | None:
    """The envelope when every rule holds; None when any does not (the slow path then says which)."""
    try:
        env = _DECODER.decode(raw)
        _utc_iso(env.sent_at)
        for rec in env.records:
            _utc_iso(rec.created_at)
            _OBJECT.decode(rec.body)  # the record's canonical JSON text of an object
    except (msgspec.DecodeError, ValueError):  # msgspec.ValidationError is a DecodeError
        return None
    if (signer is not None and env.device_id != signer) or len(env.records) > max_records:
        return None
    seqs = [r.seq for r in env.records]
    if any(b <= a for a, b in zip(seqs, seqs[1:], strict=False)):
        return None
    chain = chain_id or env.device_id
    for rec in env.records:  # record_hash with msgspec's encoder: byte-equal to canonical_json for these lists
        material = _ENCODE([chain, rec.seq, rec.uuid, rec.kind, rec.created_at, rec.body, rec.prev_hash])
        if hashlib.sha256(material).hexdigest() != rec.hash:
            return None  # altered, or an encoding difference: the slow path re-checks with canonical_json itself
    return env


def parse_batch_fast(
    raw: bytes, max_records: int, signer: str | None = None, chain_id: str | None = None
) -> FastEnvelope | BatchEnvelope:
    """A valid batch, parsed fast; otherwise sync.protocol.parse_batch raises its ProtocolError (or, in a
    case only it accepts, returns its model: the fast path never widens what the server takes)."""
    return _fast(raw, max_records, signer, chain_id) or parse_batch(raw, max_records, signer=signer, chain_id=chain_id)
