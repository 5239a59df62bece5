"""The server's fast batch parse (msgspec) never takes what the protocol's pydantic parse refuses, and
takes the same content when both accept; anything it refuses is worded by the pydantic parse."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.store.journal import GENESIS_HASH, canonical_json, record_hash
from sync.protocol import ProtocolError, parse_batch
from sync.server.fastparse import _fast, parse_batch_fast

DEVICE = "dev-1"
FIELDS = ("uuid", "seq", "kind", "created_at", "body", "prev_hash", "hash")


def _records(n: int, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        uid, at = str(uuid.uuid4()), f"2026-11-29T08:00:{seq:02d}.000+00:00"
        text = canonical_json(body or {"outcome": "pass", "name": "张三", "n": seq})
        digest = record_hash(DEVICE, seq, uid, "gate_entry", at, text, prev)
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


def _same(raw: bytes, max_records: int = 2000, signer: str | None = DEVICE) -> None:
    """Both parsers agree: refused by both, or accepted by both with the same fields."""
    try:
        slow = parse_batch(raw, max_records, signer=signer)
    except ProtocolError:
        assert _fast(raw, max_records, signer, None) is None, raw[:300]
        return
    fast = _fast(raw, max_records, signer, None)
    if fast is not None:
        assert (fast.device_id, fast.batch_id, fast.sent_at, fast.device_last_seq) == (slow.device_id, slow.batch_id, slow.sent_at, slow.device_last_seq)
        assert [[getattr(r, f) for f in FIELDS] for r in fast.records] == [[getattr(r, f) for f in FIELDS] for r in slow.records]


CASES: dict[str, Any] = {
    "valid": _envelope(),
    "valid with device_last_seq": _envelope(device_last_seq=9),
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
    "uuid with a newline": _envelope(batch_id=str(uuid.uuid4()) + "\n"),
    "uuid too short": _envelope(batch_id="1234"),
    "hash upper case": _envelope(records=_record(0, hash=_records(1)[0]["hash"].upper())),
    "hash with a newline": _envelope(records=_record(0, hash=_records(1)[0]["hash"][:63] + "\n")),
    "kind upper case": _envelope(records=_record(0, kind="Gate")),
    "kind with a newline": _envelope(records=_record(0, kind="gate\n")),
    "naive time": _envelope(sent_at="2026-11-29T08:01:00"),
    "not a time": _envelope(sent_at="yesterday"),
    "time too long": _envelope(sent_at="2026-11-29T08:01:00.000000000000000000+00:00"),
    "body a list": _envelope(records=_record(0, body="[1,2]")),
    "body not JSON": _envelope(records=_record(0, body="{oops")),
    "body with NaN": _envelope(records=_record(0, body='{"t": NaN}')),
    "body altered": _envelope(records=_record(1, body='{"outcome":"deny"}')),
    "device id with a space": _envelope(device_id="dev 1"),
    "device_last_seq negative": _envelope(device_last_seq=-1),
    "another device": _envelope(device_id="dev-2"),
    "missing hash": _envelope(records=[{k: v for k, v in r.items() if k != "hash"} for r in _records(2)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_parse_agrees_with_the_protocol_parse(name: str) -> None:
    raw = json.dumps(CASES[name], ensure_ascii=False).encode()
    _same(raw)
    if name.startswith("valid"):  # and a valid batch does take the fast path
        assert _fast(raw, 2000, DEVICE, None) is not None


@pytest.mark.parametrize("raw", [b"", b"not json", b"\xff\xfe", b"[]", b'{"protocol":1}', b"{} trailing", b'"\\ud800"'])
def test_fast_parse_agrees_on_bodies_that_are_not_an_envelope(raw: bytes) -> None:
    _same(raw)


def test_too_many_records_and_a_refusal_keep_the_protocol_wording() -> None:
    raw = json.dumps(_envelope()).encode()
    _same(raw, max_records=2)
    with pytest.raises(ProtocolError) as exc:
        parse_batch_fast(json.dumps(_envelope(records=_record(0, seq="1"))).encode(), 2000, signer=DEVICE)
    assert exc.value.status == 422 and "records.0.seq" in exc.value.message  # the field named, as before
    assert parse_batch_fast(raw, 2000, signer=DEVICE).batch_id == json.loads(raw)["batch_id"]


values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=80),
                   st.sampled_from(["2026-11-29T08:00:00+08:00", "2026-11-29", str(uuid.uuid4()), "a" * 64, "{}", "[]"]))


@settings(max_examples=300, deadline=None)
@given(where=st.sampled_from(["envelope", "record"]), field=st.sampled_from([*FIELDS, "device_id", "batch_id", "sent_at", "protocol",
                                                                            "device_last_seq", "records", "other"]), value=values)
def test_fast_parse_never_takes_more_than_the_protocol_parse(where: str, field: str, value: Any) -> None:
    env = _envelope()
    (env if where == "envelope" else env["records"][1])[field] = value
    _same(json.dumps(env, ensure_ascii=False).encode())
