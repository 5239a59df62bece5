"""Batch bodies on the wire: gzip JSON in, strict parsing out, every record's own hash re-checked.

The chain *links* (prev_hash of seq n == hash of seq n-1) are checked by the server across
batches; here each record is only checked against its own content, so a corrupted or
mis-hashed record is refused before anything is stored.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sync.protocol.chain import Record, record_hash
from sync.protocol.clock import utc_now_iso
from sync.protocol.errors import ErrorCode, ProtocolError
from sync.protocol.messages import (
    DEFAULT_MAX_BATCH_RECORDS,
    MAX_DECOMPRESSED_BYTES,
    PROTOCOL_VERSION,
    BatchEnvelope,
    WireRecord,
)
from sync.protocol.text_rules import check_text

JSON_TYPE = "application/json"
GZIP = "gzip"
H_IDEMPOTENCY = "Idempotency-Key"
M = TypeVar("M", bound=BaseModel)


def wire_record(rec: Record) -> dict[str, Any]:
    """A kiosk journal Record as its wire dict (body stays the canonical JSON *text*)."""
    return {
        "uuid": rec.uuid,
        "seq": rec.seq,
        "kind": rec.kind,
        "created_at": rec.created_at,
        "body": rec.body,
        "prev_hash": rec.prev_hash,
        "hash": rec.hash,
    }


def encode_batch(
    device_id: str, batch_id: str, records: Iterable[Mapping[str, Any]], sent_at: str | None = None, device_last_seq: int | None = None,
    doctor: Mapping[str, Any] | None = None,
) -> bytes:
    """The gzip body for POST /v1/batches. Sign these exact bytes."""
    envelope: dict[str, Any] = {
        "protocol": PROTOCOL_VERSION,
        "device_id": device_id,
        "batch_id": batch_id,
        "sent_at": sent_at or utc_now_iso(),
        "records": list(records),
    }
    if device_last_seq is not None:
        envelope["device_last_seq"] = device_last_seq
    if doctor is not None:
        envelope["doctor"] = dict(doctor)
    raw = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return gzip.compress(raw, compresslevel=6, mtime=0)


def gunzip_limited(body: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress, refusing (413) anything that inflates beyond `limit` bytes."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(body, limit + 1)
        if len(out) > limit or d.unconsumed_tail:
            raise ProtocolError(413, ErrorCode.TOO_LARGE, f"the body inflates beyond {limit} bytes", {"max_decompressed_bytes": limit})
        out += d.flush()
    except zlib.error as exc:
        raise ProtocolError(400, ErrorCode.MALFORMED, f"the body is not valid gzip ({exc})") from None
    if not d.eof:
        raise ProtocolError(400, ErrorCode.MALFORMED, "the gzip body is truncated")
    return out


def read_body(body: bytes, content_type: str | None, content_encoding: str | None, max_bytes: int) -> bytes:
    """Checks media type and size; returns the JSON bytes (decompressed when gzip)."""
    if len(body) > max_bytes:
        raise ProtocolError(413, ErrorCode.TOO_LARGE, f"the body is {len(body)} bytes; the limit is {max_bytes}", {"max_batch_bytes": max_bytes})
    if (content_type or "").split(";")[0].strip().lower() != JSON_TYPE:
        raise ProtocolError(415, ErrorCode.UNSUPPORTED_MEDIA, f"Content-Type must be {JSON_TYPE}, got {content_type!r}")
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == GZIP:
        return gunzip_limited(body)
    if encoding != "identity":
        raise ProtocolError(415, ErrorCode.UNSUPPORTED_MEDIA, f"Content-Encoding must be gzip or identity, got {content_encoding!r}")
    return body


def validation_details(exc: ValidationError, limit: int = 20) -> list[dict[str, str]]:
    """Pydantic errors as [{"field": "records.3.seq", "problem": "..."}], the first `limit`."""
    out = []
    for err in exc.errors()[:limit]:
        field = ".".join(str(p) for p in err["loc"]) or "(body)"
        out.append({"field": field, "problem": err["msg"]})
    return out


def parse_model(model: type[M], raw: bytes) -> M:
    """JSON bytes -> model, or ProtocolError 400 (not JSON) / 422 (wrong shape or types)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, ErrorCode.MALFORMED, "the body is not UTF-8 text") from None
    try:
        check_text(json.loads(text))
    except ValueError as exc:
        raise ProtocolError(400, ErrorCode.MALFORMED, f"the body is not valid JSON ({exc})") from None
    except RecursionError:
        raise ProtocolError(400, ErrorCode.MALFORMED, "the body's JSON nests too deeply") from None
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise invalid_body(exc) from None


def invalid_body(exc: ValidationError) -> ProtocolError:
    """A 422 naming the first problem, with every problem listed in the details."""
    details = validation_details(exc)
    first = details[0] if details else {"field": "(body)", "problem": "invalid"}
    return ProtocolError(
        422, ErrorCode.INVALID, f"{first['field']}: {first['problem']} ({exc.error_count()} problem(s))", {"problems": details}
    )


def parse_batch(
    raw_json: bytes, max_records: int = DEFAULT_MAX_BATCH_RECORDS, signer: str | None = None, chain_id: str | None = None
) -> BatchEnvelope:
    """Strict parse, record-count limit, the signing device (403 if another), and every record's own hash
    (under `chain_id`, the kiosk's journal id, when it differs from the server-assigned device id)."""
    batch = parse_model(BatchEnvelope, raw_json)
    if signer is not None and batch.device_id != signer:
        raise ProtocolError(403, ErrorCode.DEVICE_MISMATCH, f"the batch names device {batch.device_id!r} but was signed by {signer!r}")
    if len(batch.records) > max_records:
        raise ProtocolError(
            413, ErrorCode.TOO_LARGE, f"the batch has {len(batch.records)} records; the limit is {max_records}", {"max_batch_records": max_records}
        )
    for rec in batch.records:
        check_record_hash(chain_id or batch.device_id, rec)
    return batch


def check_record_hash(device_id: str, rec: WireRecord) -> None:
    expected = record_hash(device_id, rec.seq, rec.uuid, rec.kind, rec.created_at, rec.body, rec.prev_hash)
    if expected != rec.hash:
        raise ProtocolError(
            422,
            ErrorCode.INVALID,
            f"record seq={rec.seq} uuid={rec.uuid}: its hash does not match its content (altered, or hashed for another device)",
            {"seq": rec.seq, "uuid": rec.uuid},
        )

