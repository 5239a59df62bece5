"""The batch fast path (msgspec) takes exactly what the streamed parse takes, with the same content;
whatever it does not take goes to the streamed parse, whose refusal is the answer, word for word."""

from __future__ import annotations

import gzip
import json
import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.protocol import BatchEnvelope, ProtocolError
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash
from sync.server.records.batch_stream import parse_batch_stream
from sync.server.records.fastparse import (
    ENCODE,
    FAST_MAX_INFLATED,
    FastEnvelope,
    _fast,
    _inflated,
    parse_batch,
    parse_batch_decoded,
)

DEVICE = "dev-1"
FIELDS = ("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash")
JSON = "application/json"
DOCTOR = {"at": "2026-11-29T07:59:00+08:00", "ok": False,
          "checks": [{"name": "camera", "ok": True, "summary": "相机 0 正常"}, {"name": "disk", "ok": False, "summary": "90% full", "fix": "export"}]}


def _records(n: int, body: dict[str, Any] | None = None, chain: str = DEVICE) -> list[dict[str, Any]]:
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        uid, at = str(uuid.uuid4()), f"2026-11-29T08:00:{seq % 60:02d}.000+00:00"
        text = canonical_json(body or {"outcome": "pass", "name": "张三", "n": seq})
        digest = record_hash(chain, seq, uid, "gate_entry", at, text, prev)
        out.append({"uuid": uid, "seq": seq, "kind": "gate_entry", "created_at": at, "body": text, "prev_hash": prev, "hash": digest})
        prev = digest
    return out


def _envelope(**over: Any) -> dict[str, Any]:
    env = {"protocol": 1, "device_id": DEVICE, "batch_id": str(uuid.uuid4()), "sent_at": "2026-11-29T08:01:00+00:00", "records": _records(3)}
    env.update(over)
    return env


def _record(i: int, **over: Any) -> list[dict[str, Any]]:
    recs = _records(3)
    recs[i].update(over)
    return recs


def _with_body(text: str) -> list[dict[str, Any]]:
    """One record whose body is `text`, correctly hashed (so only the body's own rules decide)."""
    rec = _records(1)[0]
    rec["body"] = text
    rec["hash"] = record_hash(DEVICE, 1, rec["uuid"], rec["kind"], rec["created_at"], text, rec["prev_hash"])
    return [rec]


def _dump(batch: FastEnvelope | BatchEnvelope) -> dict[str, Any]:
    return msgspec.to_builtins(batch) if isinstance(batch, FastEnvelope) else batch.model_dump()


def _both(raw: bytes, max_records: int = 2000, signer: str = DEVICE, encoding: str | None = "gzip", ctype: str | None = JSON,
          chain_id: str | None = None) -> FastEnvelope | BatchEnvelope | None:
    """Both parsers agree: refused with the same status and words, or accepted with the same content."""
    body = gzip.compress(raw) if encoding == "gzip" else raw
    try:
        slow = parse_batch_stream(body, ctype, encoding, max_records, signer=signer, chain_id=chain_id)
    except ProtocolError as refused:
        inflated = _inflated(body, ctype, encoding)
        assert inflated is None or _fast(inflated, max_records, signer, chain_id) is None, raw[:300]
        with pytest.raises(ProtocolError) as again:
            parse_batch(body, ctype, encoding, max_records, signer=signer, chain_id=chain_id)
        assert (again.value.status, again.value.message, again.value.details) == (refused.status, refused.message, refused.details)
        return None
    got = parse_batch(body, ctype, encoding, max_records, signer=signer, chain_id=chain_id)
    assert _dump(got) == _dump(slow)
    bodies = parse_batch_decoded(body, ctype, encoding, max_records, signer=signer, chain_id=chain_id).bodies
    if bodies is not None:  # the fast path's decoded bodies, which the contacts projection reads, are what json.loads makes
        assert bodies == [json.loads(r.body) for r in slow.records]
    return got


def _raw(env: Any) -> bytes:
    return json.dumps(env, ensure_ascii=False, separators=(",", ":")).encode()


CASES: dict[str, Any] = {
    "valid": _envelope(),
    "valid with device_last_seq": _envelope(device_last_seq=9),
    "valid with doctor": _envelope(doctor=DOCTOR),
    "valid with everything": _envelope(device_last_seq=0, doctor=DOCTOR),
    "unknown top-level field": _envelope(extra=1),
    "unknown record field": _envelope(records=_record(0, extra="x")),
    "protocol 2": _envelope(protocol=2),
    "protocol true": _envelope(protocol=True),
    "seq as string": _envelope(records=_record(0, seq="1")),
    "seq as float": _envelope(records=_record(0, seq=1.0)),
    "seq as bool": _envelope(records=_record(0, seq=True)),
    "seq zero": _envelope(records=_record(0, seq=0)),
    "seq beyond 64 bits": _envelope(records=_record(2, seq=2**70)),
    "out of order": _envelope(records=list(reversed(_records(3)))),
    "repeated seq": _envelope(records=[_records(3)[0]] * 2),
    "empty records": _envelope(records=[]),
    "records not a list": _envelope(records={"a": 1}),
    "a record not an object": _envelope(records=[*_records(2), 5]),
    "uuid with a newline": _envelope(batch_id=str(uuid.uuid4()) + "\n"),
    "uuid too short": _envelope(batch_id="1234"),
    "hash upper case": _envelope(records=_record(0, hash=_records(1)[0]["hash"].upper())),
    "hash with a newline": _envelope(records=_record(0, hash=_records(1)[0]["hash"][:63] + "\n")),
    "kind upper case": _envelope(records=_record(0, kind="Gate")),
    "kind with a newline": _envelope(records=_record(0, kind="gate\n")),
    "naive time": _envelope(sent_at="2026-11-29T08:01:00"),
    "not a time": _envelope(sent_at="yesterday"),
    "time too long": _envelope(sent_at="2026-11-29T08:01:00.000000000000000000+00:00"),
    "a NUL in a time": _envelope(sent_at="2026-11-29T08:01:00+00:00\x00"),
    "a NUL in a record field": _envelope(records=_record(0, kind="gate\x00")),
    "body a list": _envelope(records=_with_body("[1,2]")),
    "body not JSON": _envelope(records=_with_body("{oops")),
    "body with NaN": _envelope(records=_with_body('{"t":NaN}')),
    "body with a huge exponent": _envelope(records=_with_body('{"t":1e999}')),
    "body with an escaped surrogate": _envelope(records=_with_body('{"t":"\\ud800"}')),
    "body with a NUL escape": _envelope(records=_with_body('{"t":"a\\u0000b"}')),
    "valid body nested 400 deep": _envelope(records=_with_body('{"a":' + "[" * 400 + "]" * 400 + "}")),
    "body nested 5000 deep": _envelope(records=_with_body('{"a":' + "[" * 5000 + "]" * 5000 + "}")),
    "body altered": _envelope(records=_record(1, body='{"outcome":"deny"}')),
    "device id with a space": _envelope(device_id="dev 1"),
    "device_last_seq negative": _envelope(device_last_seq=-1),
    "another device": _envelope(device_id="dev-2"),
    "another device, its own chain": _envelope(device_id="dev-2", records=_records(3, chain="dev-2")),  # 403: not the signer
    "missing hash": _envelope(records=[{k: v for k, v in r.items() if k != "hash"} for r in _records(2)]),
    "doctor without checks": _envelope(doctor={**DOCTOR, "checks": []}),
    "doctor naive time": _envelope(doctor={**DOCTOR, "at": "2026-11-29T07:59:00"}),
    "doctor ok as 1": _envelope(doctor={**DOCTOR, "ok": 1}),
    "doctor line unknown field": _envelope(doctor={**DOCTOR, "checks": [{"name": "x", "ok": True, "summary": "", "why": 1}]}),
    "doctor summary too long": _envelope(doctor={**DOCTOR, "checks": [{"name": "x", "ok": True, "summary": "长" * 501}]}),
    "doctor as a list": _envelope(doctor=[1]),
    "doctor line name with a newline": _envelope(doctor={**DOCTOR, "checks": [{"name": "camera\n", "ok": True, "summary": ""}]}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_parse_agrees_with_the_streamed_parse(name: str) -> None:
    got = _both(_raw(CASES[name]))
    if name.startswith("valid"):  # and a valid batch does take the fast path, its bodies decoded
        assert isinstance(got, FastEnvelope)
        assert parse_batch_decoded(gzip.compress(_raw(CASES[name])), JSON, "gzip", 2000, signer=DEVICE).bodies is not None


def _spliced(env: dict[str, Any], key: str, text: bytes) -> bytes:
    """The envelope's JSON with `"key":<text>` added at the end by hand (for what json.dumps cannot write)."""
    return _raw(env)[:-1] + f',"{key}":'.encode() + text + b"}"


@pytest.mark.parametrize("raw", [
    b"", b"not json", b"\xff\xfe", b"[]", b'{"protocol":1}', b"{} trailing", b'"\\ud800"',
    _spliced(_envelope(), "records", _raw(_records(2))),  # a second records list
    _spliced(_envelope(), "r\\u0065cords", _raw(_records(2))),  # ... spelled in disguise
    _spliced(_envelope(), "device_id", b'"dev-2"'),  # a repeated scalar: the last one counts, in both
    _spliced(_envelope(), "sent_at", b'"2026-11-29T08:01:00+08:00"'),
    _raw(_envelope()).replace(b'"seq":1,', b'"seq" : 1 ,'),  # spaces where a kiosk writes none
    _raw(_envelope()).replace(b'"device_id"', b'"d\\u0065vice_id"'),  # a key spelled with an escape
])
def test_fast_parse_agrees_on_odd_bodies(raw: bytes) -> None:
    _both(raw)


def test_headers_and_gzip_faults_are_answered_as_before() -> None:
    raw = _raw(_envelope())
    for encoding, ctype in [(None, JSON), ("identity", JSON), ("gzip", "text/plain"), ("br", JSON), ("gzip", None)]:
        got = _both(raw, encoding=encoding, ctype=ctype)
        assert (got is not None) == (ctype == JSON and encoding != "br"), (encoding, ctype)
    whole = gzip.compress(raw)
    for body in (whole[:-10], whole + b"trailing", whole + gzip.compress(raw), b"\x1f\x8b" + b"\x00" * 30):
        try:
            slow: Any = parse_batch_stream(body, JSON, "gzip", 2000, signer=DEVICE)
        except ProtocolError as refused:
            with pytest.raises(ProtocolError) as again:
                parse_batch(body, JSON, "gzip", 2000, signer=DEVICE)
            assert (again.value.status, again.value.message) == (refused.status, refused.message)
        else:
            assert _dump(parse_batch(body, JSON, "gzip", 2000, signer=DEVICE)) == _dump(slow)
            assert _inflated(body, JSON, "gzip") is None  # trailing bytes: left to the streamed parse


def test_the_record_limit_and_the_chain_id() -> None:
    raw = _raw(_envelope())
    assert _both(raw, max_records=3) is not None
    assert _both(raw, max_records=2) is None  # 413, worded by the streamed parse
    journal = "journal-7"
    own = _raw(_envelope(records=_records(3, chain=journal)))
    assert isinstance(_both(own, chain_id=journal), FastEnvelope)
    assert _both(own) is None  # hashed for another chain: 422 naming the record


def test_a_body_beyond_the_fast_bound_is_parsed_by_the_stream() -> None:
    """Large legitimate bodies (a daily report with its visitor list) still pass, the slow way."""
    big = {"visitors": "张三，" * 300_000}
    recs = _records(4, body=big)
    raw = _raw(_envelope(records=recs))
    assert len(raw) > FAST_MAX_INFLATED
    got = _both(raw)
    assert isinstance(got, BatchEnvelope) and [r.body for r in got.records] == [r["body"] for r in recs]


def test_what_ingest_stores_is_the_same_either_way() -> None:
    """The PostgreSQL insert's rows and the stored doctor JSON are byte-equal for both parsers' results."""
    from sync.server.records.ingest import WIRE_FIELDS, _doctor_columns, _rows_json

    body = gzip.compress(_raw(_envelope(doctor=DOCTOR, records=_records(5, body={"name": "李四", "q": 'a"b\\c\n'}))))
    fast = parse_batch(body, JSON, "gzip", 2000, signer=DEVICE)
    slow = parse_batch_stream(body, JSON, "gzip", 2000, signer=DEVICE)
    assert isinstance(fast, FastEnvelope) and isinstance(slow, BatchEnvelope)
    assert json.loads(_rows_json(fast.records)) == json.loads(_rows_json(slow.records)) == [
        {f: getattr(r, f) for f in WIRE_FIELDS} for r in slow.records]
    assert _doctor_columns(fast) == _doctor_columns(slow)
    assert ENCODE(fast.records[0]) == ENCODE({f: getattr(fast.records[0], f) for f in WIRE_FIELDS})  # field order = WIRE_FIELDS


values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=80),
                   st.sampled_from(["2026-11-29T08:00:00+08:00", "2026-11-29", str(uuid.uuid4()), "a" * 64, "{}", "[]", '{"a":1}',
                                    "gate_entry", DEVICE, "records", "seq"]),
                   st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@settings(max_examples=400, deadline=None)
@given(where=st.sampled_from(["envelope", "record", "doctor", "doctor line"]),
       field=st.sampled_from([*FIELDS, "device_id", "batch_id", "sent_at", "protocol", "device_last_seq", "records", "doctor", "at", "ok",
                              "checks", "name", "summary", "fix", "other"]),
       value=values, ascii_only=st.booleans())
def test_fast_parse_never_takes_more_than_the_streamed_parse(where: str, field: str, value: Any, ascii_only: bool) -> None:
    env = _envelope(doctor=json.loads(json.dumps(DOCTOR)))
    target = {"envelope": env, "record": env["records"][1], "doctor": env["doctor"], "doctor line": env["doctor"]["checks"][0]}[where]
    target[field] = value
    _both(json.dumps(env, ensure_ascii=ascii_only).encode())
