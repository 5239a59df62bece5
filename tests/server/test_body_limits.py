"""Request bodies under abuse: a deadline for slow senders, the record limit enforced while the
batch is parsed, and memory per request bounded (a gzip bomb of tiny objects)."""

from __future__ import annotations

import gzip
import json
import socket
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sync.protocol import PATH_BATCHES, PATH_ENROLL, ProtocolError, encode_batch, sign_request, wire_record
from sync.server.records.batch_stream import _Inflating, _read_envelope, parse_batch_stream
from tests.server.central import Central, Kiosk, batch_headers, error_of, new_store, start_central


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    data_dir = tmp_path_factory.mktemp("body-limits")
    server = start_central(data_dir, f"sqlite:///{data_dir / 'central.db'}", env={"KIOSK_CENTRAL_BODY_TIMEOUT_S": "2"})
    yield server
    server.stop()


@pytest.fixture
def kiosk(central: Central, tmp_path: Path) -> Iterator[Kiosk]:
    store = new_store(tmp_path)
    k = central.enrol(store)
    yield k
    store.close()


def _trickle(central: Central, path: str, headers: dict[str, str], body: bytes, every_s: float) -> tuple[float, bytes]:
    """Headers at once, then the body one byte every `every_s`; returns (seconds to the answer, answer)."""
    url = urlparse(central.url)
    head = f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    started = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=15) as sock:
        sock.sendall(head.encode())
        sock.settimeout(every_s)
        answer = b""
        for byte in body:
            try:
                sock.sendall(bytes([byte]))
                answer = sock.recv(65536)
            except (TimeoutError, BlockingIOError):
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer:
                break
        sock.settimeout(10)
        while not answer.endswith(b"}") and (chunk := sock.recv(65536)):
            answer += chunk
    return time.monotonic() - started, answer


def test_a_trickled_body_is_cut_off_at_the_deadline(central: Central, kiosk: Kiosk) -> None:
    body = json.dumps({"protocol": 1, "enroll_code": "AAAA-BBBB-CCCC", "device_id": "slow-one"}).encode()
    took, answer = _trickle(central, PATH_ENROLL, {"Content-Type": "application/json"}, body, every_s=0.25)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b'"code":"request-timeout"' in answer and 1.5 < took < 15, (took, answer[-300:])  # deadline 2 s (slack: shared machine)
    # a signed batch trickled in the same way: refused, nothing stored, the kiosk's next upload goes through
    recs = kiosk.append(2)
    bid, batch = kiosk.batch_body(recs)
    hdrs = {**batch_headers(bid), **sign_request(kiosk.device_id, kiosk.secret, "POST", PATH_BATCHES, batch)}
    took, answer = _trickle(central, PATH_BATCHES, hdrs, batch, every_s=0.25)
    assert answer.startswith(b"HTTP/1.1 408") and took < 15, answer[:300]
    assert central.records_count(kiosk.device_id) == 0
    assert kiosk.send(recs).status_code == 200
    assert central.records_count(kiosk.device_id) == 2


def _tiny_objects_bomb(device_id: str, n: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = json.dumps({"protocol": 1, "device_id": device_id, "batch_id": str(uuid.uuid4()), "sent_at": "2026-11-28T07:00:00+00:00"})
    return c.compress(head[:-1].encode() + b', "records": [') + c.compress(b"{}," * n) + c.compress(b"{}]}") + c.flush()


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_bomb_of_tiny_records_is_refused_without_holding_it(central: Central, kiosk: Kiosk) -> None:
    """3 million empty objects (9 MB inflated, a few KB sent): once parsed whole, they took hundreds of MB."""
    bomb = _tiny_objects_bomb(kiosk.device_id, 3_000_000)
    assert len(bomb) < 100_000
    before = _peak_rss_kb(central.proc.pid)
    resp = kiosk.post(PATH_BATCHES, bomb, headers=batch_headers(str(uuid.uuid4())))
    assert resp.status_code == 413 and error_of(resp)["details"]["max_batch_records"] == 2000, resp.text
    grown_mb = (_peak_rss_kb(central.proc.pid) - before) / 1024
    assert grown_mb < 40, f"the server's peak memory grew by {grown_mb:.0f} MB for one refused request"


def test_the_record_limit_stops_parsing_early() -> None:
    """Refused after record 2001 is read: most of the body is never inflated."""
    recs = [{"uuid": str(uuid.uuid4()), "seq": i + 1, "kind": "gate_entry", "created_at": "2026-11-28T07:00:00+00:00",
             "body": json.dumps({"i": i, "pad": "x" * 200}), "prev_hash": "0" * 64, "hash": "0" * 64} for i in range(20_000)]
    raw = json.dumps({"protocol": 1, "device_id": "d1", "batch_id": str(uuid.uuid4()), "sent_at": "2026-11-28T07:00:00+00:00", "records": recs}).encode()
    source = _Inflating(gzip.compress(raw), 64 * 1024 * 1024)
    with pytest.raises(ProtocolError) as refused:
        _read_envelope(source, 2000)
    assert refused.value.status == 413
    assert source._out < len(raw) / 2, (source._out, len(raw))


def test_a_valid_batch_parses_the_same_as_before(tmp_path: Path) -> None:
    """The streaming parser gives the same envelope as the protocol's whole-body parser."""
    from sync.protocol import parse_batch, read_body

    store = new_store(tmp_path)
    with store.writing() as w:
        recs = [wire_record(w.append("gate_entry", {"i": i, "name": "张三", "note": "a\u0000b"})) for i in range(50)]
    device_id = store.device_id
    store.close()
    body = encode_batch(device_id, str(uuid.uuid4()), recs, device_last_seq=60)
    whole = parse_batch(read_body(body, "application/json", "gzip", 4 * 1024 * 1024), 2000, signer=device_id)
    streamed = parse_batch_stream(body, "application/json", "gzip", 2000, signer=device_id)
    assert streamed == whole


def _envelope_with_bodies(bodies: list[str]) -> bytes:
    from sync.protocol.chain import GENESIS_HASH, record_hash

    recs, prev = [], GENESIS_HASH
    for seq, body in enumerate(bodies, 1):
        rid, at = str(uuid.uuid4()), "2026-11-28T07:00:00+00:00"
        digest = record_hash("d1", seq, rid, "daily_report", at, body, prev)
        recs.append({"uuid": rid, "seq": seq, "kind": "daily_report", "created_at": at, "body": body, "prev_hash": prev, "hash": digest})
        prev = digest
    raw = json.dumps({"protocol": 1, "device_id": "d1", "batch_id": str(uuid.uuid4()), "sent_at": "2026-11-28T07:00:00+00:00", "records": recs},
                     ensure_ascii=False)
    return gzip.compress(raw.encode())


def test_the_longest_legitimate_bodies_still_pass() -> None:
    """Record bodies at the protocol's size limit, full of quotes, backslashes and CJK, parse as before."""
    from sync.protocol.messages import MAX_RECORD_BODY_CHARS

    quotes = json.dumps({"t": '"\\' * ((MAX_RECORD_BODY_CHARS - 20) // 4)})  # each escaped twice over in the envelope
    cjk = json.dumps({"visitors": "张三，" * ((MAX_RECORD_BODY_CHARS - 20) // 3)}, ensure_ascii=False)
    assert len(quotes) <= MAX_RECORD_BODY_CHARS and len(cjk) <= MAX_RECORD_BODY_CHARS
    batch = parse_batch_stream(_envelope_with_bodies([quotes, cjk, '{"a":1}']), "application/json", "gzip", 2000, signer="d1")
    assert [r.body for r in batch.records] == [quotes, cjk, '{"a":1}']


def test_a_string_bomb_is_refused_once_past_the_string_bound() -> None:
    """64 MiB of one string (a few hundred KB of gzip): refused when it passes the string bound, not
    after inflating it all (yajl re-reads a string for every chunk it spans, so its length is the cost)."""
    from sync.server.records.batch_stream import CHUNK, MAX_STRING_BYTES

    c = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = c.compress(b'{"records": "') + b"".join(c.compress(b"0,\\\\" * (256 * 1024)) for _ in range(64)) + c.compress(b'"}') + c.flush()
    source = _Inflating(bomb, 64 * 1024 * 1024)
    with pytest.raises(ProtocolError) as refused:
        _read_envelope(source, 2000)
    assert refused.value.status == 413 and "longer than" in refused.value.message
    assert source._out <= MAX_STRING_BYTES + 2 * CHUNK
    with pytest.raises(ProtocolError, match="longer than"):
        parse_batch_stream(bomb, "application/json", "gzip", 2000, signer="d1")
