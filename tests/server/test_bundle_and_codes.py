"""Bundles (signed, ETag), the online code check, demo codes and reports, against the real server."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.domain.codes import TrustStore, VerifyContext, verify
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource
from kiosk.settings import SETTINGS
from sync.code_check import HttpCodeChecker
from sync.credentials import Credentials
from sync.protocol import BundleError, load_public_key, roster_lookup_hash, sign_request, verify_bundle
from tests.server.central import Central, Kiosk, error_of

ID = "11010519491231002X"


def _creds(k: Kiosk, url: str | None = None) -> Credentials:
    e = k.enrolment
    return Credentials(server_url=url or k.central.url, device_id=k.device_id, device_secret=k.secret, bundle_key_id=e["bundle_key_id"],
                       bundle_public_key=e["bundle_public_key"], enrolled_at=e["server_time"])


def _bundle(k: Kiosk) -> tuple[dict[str, object], str, bytes]:
    resp = k.get("/v1/bundle")
    assert resp.status_code == 200, resp.text
    content, etag = verify_bundle(resp.content, load_public_key(k.enrolment["bundle_public_key"]))
    assert resp.headers["ETag"] == etag
    return content, etag, resp.content


def test_bundle_is_signed_cached_by_etag_and_follows_admin_changes(kiosk: Kiosk, central: Central) -> None:
    _, etag, _ = _bundle(kiosk)
    unchanged = kiosk.get("/v1/bundle", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and unchanged.content == b""

    uid = str(uuid.uuid4())
    central.cli("roster", "add", "--uuid", uid, "--name", "王五", "--id-number", ID, "--phone", "13800138000", "--building", "7", "--room", "301")
    central.cli("risk-area", "set", "110105", "high", "--since", "2026-11-20")
    central.cli("mode", "lockdown")
    content, etag2, raw = _bundle(kiosk)
    assert etag2 != etag
    person = next(p for p in content["roster"] if p["uuid"] == uid)  # type: ignore[union-attr]
    key = base64.urlsafe_b64decode(kiosk.enrolment["roster_key"] + "=")
    assert person == {"uuid": uid, "name": "王五", "id_hash": roster_lookup_hash(key, "id", ID), "id_masked": "110***********002X",
                      "phone_hash": roster_lookup_hash(key, "phone", "13800138000"), "phone_masked": "138****8000",
                      "building": "7", "unit": "", "room": "301", "key_groups": []}
    for secret in (ID, ID.lower(), "13800138000", "0013800"):  # nowhere in what the kiosk receives
        assert secret.encode() not in raw, secret
    assert {"region_code": "110105", "level": "high", "since": "2026-11-20"} in content["risk_areas"]  # type: ignore[operator]
    assert content["policy"] == {"mode": "lockdown"}
    central.cli("mode", "normal")
    central.cli("risk-area", "set", "110105", "none")
    content, _, _ = _bundle(kiosk)
    assert content["policy"] == {"mode": "normal"} and all(a["region_code"] != "110105" for a in content["risk_areas"])  # type: ignore[union-attr]
    # the admin's view of the roster masks ID numbers and phones
    listing = central.cli("roster", "list").stdout
    assert "王五" in listing and ID not in listing and "13800138000" not in listing


def test_a_tampered_or_foreign_bundle_is_rejected(kiosk: Kiosk) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, _, raw = _bundle(kiosk)
    key = load_public_key(kiosk.enrolment["bundle_public_key"])
    env = json.loads(raw)
    tampered = json.dumps(env | {"payload": env["payload"].replace('"version":1', '"version":1 ')}).encode()  # same meaning, other bytes
    with pytest.raises(BundleError, match="signature"):
        verify_bundle(tampered, key)
    with pytest.raises(BundleError, match="pinned key"):
        verify_bundle(raw, Ed25519PrivateKey.generate().public_key())


def test_bad_roster_input_is_refused_with_the_reason(central: Central) -> None:
    bad_id = central.cli("roster", "add", "--name", "赵六", "--id-number", "110105194912310021", check=False)
    assert bad_id.returncode == 2 and "check digit" in bad_id.stderr
    bad_phone = central.cli("roster", "add", "--name", "赵六", "--phone", "12345", check=False)
    assert bad_phone.returncode == 2 and "phone" in bad_phone.stderr
    bad_region = central.cli("risk-area", "set", "11010", "high", check=False)
    assert bad_region.returncode == 2 and "6 digits" in bad_region.stderr


def test_cn_token_is_checked_online_end_to_end(kiosk: Kiosk, central: Central, tmp_path: Path) -> None:
    png = tmp_path / "code.png"
    issued = json.loads(central.cli("issue-code", "--name", "张三", "--id-number", ID, "--colour", "green", "--png", str(png), "--json").stdout)
    checker = HttpCodeChecker(_creds(kiosk))
    try:
        ctx = VerifyContext(trust=TrustStore.from_bundle({}), checker=checker, cn_token_patterns=_token_patterns())
        result = verify(issued["text"], ctx)
        assert (result.format, result.status, result.colour, result.colour_source) == (CodeFormat.CN_TOKEN, CodeStatus.VALID, Colour.GREEN, ColourSource.ONLINE)
        assert result.holder_name_masked == "张*" and ID not in result.id_masked and result.id_masked.endswith("002X")

        central.cli("code", "set-colour", issued["token"], "red")
        answer = checker.check(qr_text=issued["text"])
        assert answer is not None and answer.colour is Colour.RED
        by_id = checker.check(id_number=ID)
        assert by_id is not None and by_id.colour is Colour.RED
        unknown = checker.check(qr_text=issued["text"][:-3] + "zzz")
        assert unknown is not None and unknown.colour is Colour.NONE
    finally:
        checker.close()
    _assert_png_holds(png, issued["text"])


def test_no_issued_token_reads_as_an_option(tmp_path: Path) -> None:
    """`code set-colour TOKEN red` failed with a usage error for 1 token in 64: those that began with '-'."""
    from sync.server.context import ServerContext
    from sync.server.lists.registry import issue_token
    from sync.server.settings import from_env

    ctx = ServerContext.open(from_env(data_dir=tmp_path / "central", db=f"sqlite:///{tmp_path / 'central.db'}"))
    try:
        with ctx.engine.begin() as conn:
            tokens = [issue_token(conn, ctx.settings.data_dir, "http://x", name="张三", id_number=ID, colour="green",
                                  now_iso="2026-11-30T08:00:00+08:00").token for _ in range(400)]  # 1 - (63/64)^400: 99.8% had one
    finally:
        ctx.close()
    assert len(set(tokens)) == 400 and not [t for t in tokens if t.startswith("-")]


def _token_patterns() -> tuple[str, ...]:
    return tuple(next(s for s in SETTINGS if s.name == "codes.cn_token_patterns").default)  # type: ignore[arg-type]


def _assert_png_holds(png: Path, text: str) -> None:
    import cv2
    from pyzbar import pyzbar

    image = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    assert [d.data.decode() for d in pyzbar.decode(image)] == [text]


def test_cn_signed_code_verifies_offline_with_the_issuer_key_from_the_bundle(kiosk: Kiosk, central: Central) -> None:
    issued = json.loads(central.cli("issue-code", "--kind", "cn-signed", "--name", "张三", "--id-number", ID, "--colour", "yellow", "--json").stdout)
    assert issued["text"].startswith("HCN1:")
    content, _, _ = _bundle(kiosk)
    assert any(i["kid"] == issued["kid"] for i in content["trust"]["cn_issuers"])  # type: ignore[index]
    ctx = VerifyContext(trust=TrustStore.from_bundle(content["trust"]), checker=None, at=datetime.now(UTC))  # type: ignore[arg-type]
    result = verify(issued["text"], ctx)
    assert (result.status, result.colour, result.colour_source) == (CodeStatus.VALID, Colour.YELLOW, ColourSource.SIGNED)
    without_key = verify(issued["text"], VerifyContext(trust=TrustStore.from_bundle({}), checker=None))
    assert without_key.status is CodeStatus.UNTRUSTED


def test_code_check_input_is_validated(kiosk: Kiosk) -> None:
    both = json.dumps({"request_id": str(uuid.uuid4()), "qr_text": "x", "id_number": ID}).encode()
    resp = kiosk.post("/v1/code-check", both, headers={"Content-Type": "application/json"})
    assert resp.status_code == 422 and "exactly one" in error_of(resp)["message"]
    bad_id = json.dumps({"request_id": str(uuid.uuid4()), "id_number": "123"}).encode()
    assert kiosk.post("/v1/code-check", bad_id).status_code == 422


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a platform slower than any timeout."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join(2)
    for c in conns:
        c.close()
    srv.close()


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """Answers one byte every 0.2 s: each socket wait is short, the whole answer never comes in time."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    def trickle(conn: socket.socket) -> None:
        with conn:
            for ch in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n" + b" " * 900:
                if stop.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([ch]))
                except OSError:
                    return

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join(2)
    srv.close()


def test_code_check_keeps_its_deadline_against_a_trickling_server(kiosk: Kiosk, trickling_server: str) -> None:
    checker = HttpCodeChecker(_creds(kiosk, trickling_server), timeout_s=0.6)
    started = time.monotonic()
    assert checker.check(qr_text="http://127.0.0.1/hc/abcdefghijklmnop") is None
    assert time.monotonic() - started < 1.2 and "within 0.6 s" in (checker.last_error or "")
    checker.close()


def test_code_check_gives_none_when_the_server_is_slow_or_gone(kiosk: Kiosk, silent_server: str) -> None:
    slow = HttpCodeChecker(_creds(kiosk, silent_server), timeout_s=0.5)
    started = time.monotonic()
    assert slow.check(qr_text="http://127.0.0.1/hc/abcdefghijklmnop") is None
    assert time.monotonic() - started < 2.0 and "timed out" in (slow.last_error or "")
    slow.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    gone = HttpCodeChecker(_creds(kiosk, f"http://127.0.0.1:{closed_port}"), timeout_s=0.5)
    assert gone.check(id_number=ID) is None and "connection" in (gone.last_error or "")
    gone.close()
    with pytest.raises(ValueError):
        HttpCodeChecker(_creds(kiosk), timeout_s=0)


def test_daily_reports_are_received_once(kiosk: Kiosk, central: Central) -> None:
    report = {"report_id": str(uuid.uuid4()), "date": "2026-11-28", "kind": "zero", "body": {"entries": 312, "fever": 0}}
    body = json.dumps(report).encode()
    first = kiosk.post("/v1/reports", body, headers={"Content-Type": "application/json"})
    assert first.status_code == 200 and first.json()["stored"] is True
    again = kiosk.post("/v1/reports", body, headers={"Content-Type": "application/json"})
    assert again.status_code == 200 and again.json()["stored"] is False
    assert any(r["report_id"] == report["report_id"] for r in central.admin_get("/admin/reports", date="2026-11-28"))
    listed = json.loads(central.cli("reports", "--date", "2026-11-28", "--json").stdout)
    assert [r["kind"] for r in listed if r["report_id"] == report["report_id"]] == ["zero"]
    assert central.cli("reports", "--date", "28/11/2026", check=False).returncode == 2
    bad = kiosk.post("/v1/reports", json.dumps(report | {"date": "2026-13-40"}).encode())
    assert bad.status_code == 422 and "date" in error_of(bad)["message"]


def test_openapi_and_time_are_served(central: Central) -> None:
    import requests

    spec = central.admin_get("/admin/openapi.json")  # (for admins only unless KIOSK_CENTRAL_API_DOCS is on)
    for path in ("/v1/enroll", "/v1/batches", "/v1/bundle", "/v1/code-check", "/v1/reports", "/admin/devices", "/admin/sync-log"):
        assert path in spec["paths"], path
    assert "records" in json.dumps(spec["paths"]["/v1/batches"]["post"]["requestBody"])
    t = requests.get(central.url + "/v1/time", timeout=10)
    assert abs(t.json()["server_time_unix"] - time.time()) < 5 and "X-Server-Time" in t.headers


def test_bundle_requires_a_signature(kiosk: Kiosk, central: Central) -> None:
    import requests

    assert requests.get(central.url + "/v1/bundle", timeout=10).status_code == 401
    hdrs = sign_request(kiosk.device_id, kiosk.secret, "GET", "/v1/bundle?x=1", b"")
    assert requests.get(central.url + "/v1/bundle", headers=hdrs, timeout=10).status_code == 401
