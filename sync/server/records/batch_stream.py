"""A batch body parsed as a stream: the record-count limit and the envelope's shape are enforced
while the gzip is inflated and the JSON is read, so a hostile body is refused after at most one
record too many, long before it is inflated or turned into objects in full.

Memory per request stays bounded: the gzip body (at most max_batch_bytes), one inflated chunk,
and the records themselves (flat objects of scalars, at most max_batch_records of them).
The shape is the one BatchEnvelope declares; pydantic still validates every field afterwards.
"""

from __future__ import annotations

import io
import zlib
from typing import Any

import ijson
from pydantic import ValidationError

from sync.protocol import (
    JSON_TYPE,
    MAX_DECOMPRESSED_BYTES,
    BatchEnvelope,
    ErrorCode,
    ProtocolError,
    check_record_hash,
)
from sync.protocol.batch import invalid_body
from sync.protocol.text_rules import check_text

# yajl turns a whole chunk into events before ijson hands out the first: small chunks bound that
# list (a chunk of "{}," is 175,000 events at 256 KiB). A string spanning many chunks is re-read
# for each one, so strings are bounded too: none longer than MAX_STRING_BYTES (a record body of
# MAX_RECORD_BODY_CHARS, every character escaped, stays below it).
CHUNK = 256 * 1024
MAX_STRING_BYTES = 8 * 1024 * 1024
BACKSLASH = 0x5C


class _Inflating(io.RawIOBase):
    """gzip bytes -> JSON bytes, `read(n)` at a time, refusing (413) past `limit` inflated bytes."""

    def __init__(self, body: bytes, limit: int) -> None:
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._body, self._pos, self._out, self._limit, self._flushed = body, 0, 0, limit, False
        self._since_quote = self._trailing_backslashes = 0

    def readable(self) -> bool:
        return True

    def _escaped(self, data: bytes, i: int) -> bool:
        """Is the quote at data[i] escaped (an odd run of backslashes before it, across chunks)?"""
        n, j = 0, i - 1
        while j >= 0 and data[j] == BACKSLASH:
            n, j = n + 1, j - 1
        if j < 0:
            n += self._trailing_backslashes
        return n % 2 == 1

    def _track_strings(self, data: bytes) -> None:
        """Bytes since the last unescaped quote, carried across chunks (a chunk is shorter than the bound,
        so only a run across chunk boundaries can pass it)."""
        first = data.find(b'"')
        while first != -1 and self._escaped(data, first):
            first = data.find(b'"', first + 1)
        run = self._since_quote + (first if first != -1 else len(data))
        if run > MAX_STRING_BYTES:
            raise ProtocolError(413, ErrorCode.TOO_LARGE, f"a string in the batch is longer than {MAX_STRING_BYTES} bytes",
                                {"max_string_bytes": MAX_STRING_BYTES})
        if first == -1:
            self._since_quote = run
        else:
            last = data.rfind(b'"')
            while self._escaped(data, last):
                last = data.rfind(b'"', 0, last)
            self._since_quote = len(data) - 1 - last
        stripped = len(data) - len(data.rstrip(b"\\"))
        self._trailing_backslashes = stripped + (self._trailing_backslashes if stripped == len(data) else 0)

    def readinto(self, buf: Any) -> int:
        want = len(buf)
        data = b""
        if want == 0:  # ijson probes with read(0); zlib would take max_length=0 as "no limit"
            return 0
        try:
            while not data:
                if self._d.unconsumed_tail:
                    data = self._d.decompress(self._d.unconsumed_tail, want)
                elif self._pos < len(self._body) and not self._d.eof:
                    data = self._d.decompress(self._body[self._pos : self._pos + CHUNK], want)
                    self._pos += CHUNK
                elif not self._flushed:  # all input given: what zlib still holds
                    data, self._flushed = self._d.flush(), True
                else:
                    break
        except zlib.error as exc:
            raise ProtocolError(400, ErrorCode.MALFORMED, f"the body is not valid gzip ({exc})") from None
        if not data and not self._d.eof:
            raise ProtocolError(400, ErrorCode.MALFORMED, "the gzip body is truncated")
        self._out += len(data)
        if self._out > self._limit:
            raise ProtocolError(413, ErrorCode.TOO_LARGE, f"the body inflates beyond {self._limit} bytes", {"max_decompressed_bytes": self._limit})
        self._track_strings(data)
        buf[: len(data)] = data
        return len(data)


def _source(body: bytes, content_type: str | None, content_encoding: str | None) -> io.IOBase:
    if (content_type or "").split(";")[0].strip().lower() != JSON_TYPE:
        raise ProtocolError(415, ErrorCode.UNSUPPORTED_MEDIA, f"Content-Type must be {JSON_TYPE}, got {content_type!r}")
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "gzip":
        return _Inflating(body, MAX_DECOMPRESSED_BYTES)
    if encoding != "identity":
        raise ProtocolError(415, ErrorCode.UNSUPPORTED_MEDIA, f"Content-Encoding must be gzip or identity, got {content_encoding!r}")
    return io.BytesIO(body)


def _shape(field: str, problem: str) -> ProtocolError:
    return ProtocolError(422, ErrorCode.INVALID, f"{field}: {problem}", {"problems": [{"field": field, "problem": problem}]})


SCALARS = frozenset({"string", "number", "boolean", "null"})


# Envelope keys that may hold a small nested object (the kiosk's last `kiosk doctor` result),
# built whole but bounded in events, so memory stays bounded too.
NESTED_KEYS = frozenset({"doctor"})
NESTED_MAX_EVENTS = 2_000


def _read_envelope(source: io.IOBase, max_records: int) -> dict[str, Any]:
    """Events -> {top-level scalars..., "records": [flat dicts]}; refuses anything deeper than that
    (but for the small objects named in NESTED_KEYS)."""
    env: dict[str, Any] = {}
    rec: dict[str, Any] | None = None
    records: list[dict[str, Any]] | None = None
    key = ""
    depth = 0  # 1 inside the envelope, 2 inside records, 3 inside one record
    nested: Any = None  # an ijson.ObjectBuilder while a NESTED_KEYS value is read
    nested_depth = nested_events = 0
    for event, value in ijson.basic_parse(source, use_float=True, buf_size=CHUNK):  # no prefixes: they grow with depth
        if nested is not None:
            nested_events += 1
            if nested_events > NESTED_MAX_EVENTS:
                raise _shape(key, "too large")
            nested.event(event, value)
            nested_depth += 1 if event in ("start_map", "start_array") else -1 if event in ("end_map", "end_array") else 0
            if nested_depth == 0:
                env[key], nested = nested.value, None
            continue
        if event == "start_map" and depth == 1 and key in NESTED_KEYS:
            nested, nested_depth, nested_events = ijson.ObjectBuilder(), 1, 0
            nested.event(event, value)
            continue
        if event == "map_key":
            key = value
        elif event in SCALARS:
            if depth == 1:
                env[key] = value
            elif depth == 3 and rec is not None:
                rec[key] = value
            elif depth == 2:
                raise _shape(f"records.{len(records or [])}", "each record must be a JSON object")
            else:
                raise _shape("(body)", "the body must be a JSON object (the batch envelope)")
        elif event == "start_map":
            if depth == 0:
                depth = 1
            elif depth == 2 and records is not None:
                if len(records) >= max_records:
                    raise ProtocolError(413, ErrorCode.TOO_LARGE, f"the batch has more than {max_records} records; the limit is {max_records}",
                                        {"max_batch_records": max_records})
                rec, depth = {}, 3
                records.append(rec)
            else:
                where = f"records.{len(records or []) - 1}.{key}" if depth == 3 else key
                raise _shape(where, "must be a single value, not an object")
        elif event == "start_array":
            if depth == 1 and key == "records" and records is None:
                records, depth = [], 2
            else:
                where = f"records.{len(records or []) - 1}.{key}" if depth == 3 else (key if depth == 1 else "(body)")
                raise _shape(where, "a list is not allowed here" if key != "records" else "records must be a list of record objects")
        elif event == "end_map":
            rec, depth = None, (2 if depth == 3 else 0)  # a record closes back into the records list
        elif event == "end_array":
            depth = 1  # only the records list is ever open
    if records is not None:
        env["records"] = records
    return env


def parse_batch_stream(body: bytes, content_type: str | None, content_encoding: str | None, max_records: int, signer: str,
                       chain_id: str | None = None) -> BatchEnvelope:
    """The body as sent -> a validated BatchEnvelope (every record's own hash checked, under `chain_id`,
    the kiosk's journal id, when it differs from the server-assigned device id), or ProtocolError."""
    try:
        env = _read_envelope(_source(body, content_type, content_encoding), max_records)
    except ijson.JSONError as exc:
        said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProtocolError(400, ErrorCode.MALFORMED, f"the body is not valid JSON ({said[:200]})") from None
    except (ValueError, UnicodeDecodeError) as exc:  # e.g. an integer of thousands of digits
        raise ProtocolError(400, ErrorCode.MALFORMED, f"the body is not valid JSON ({str(exc)[:200]})") from None
    check_text(env)
    named = env.get("device_id")
    if isinstance(named, str) and named != signer:
        raise ProtocolError(403, ErrorCode.DEVICE_MISMATCH, f"the batch names device {named!r} but was signed by {signer!r}")
    try:
        batch = BatchEnvelope.model_validate(env)
    except ValidationError as exc:
        raise invalid_body(exc) from None
    for rec in batch.records:
        check_record_hash(chain_id or batch.device_id, rec)
    return batch
