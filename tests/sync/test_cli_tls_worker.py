"""The kiosk commands (provision, sync --once, status, sync-log), TLS verification with a
configured CA bundle, and the background worker waking on a new record."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.cli import main
from kiosk.store.db import open_store
from sync import credentials
from sync.client import Step
from sync.factory import make_worker
from sync.provision import ProvisionError, check_server_url
from tests.sync.conftest import Server, assert_exactly_once_and_chained, make_kiosk
from tests.sync.faultproxy import FaultProxy


def _self_signed(tmp: Path) -> tuple[Path, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk-central test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "central.pem", tmp / "central.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_path, key_path)
    return cert_path, ctx


def test_tls_is_verified_against_the_configured_ca_bundle(server: Server, tmp_path: Path) -> None:
    cert, ctx = _self_signed(tmp_path)
    tls = FaultProxy(int(server.central.url.rsplit(":", 1)[1]), tls=ctx)
    untrusted = make_kiosk(server, tmp_path / "a", {"KIOSK_SYNC_SERVER_URL": tls.url})
    trusted = make_kiosk(server, tmp_path / "b", {"KIOSK_SYNC_SERVER_URL": tls.url, "KIOSK_SYNC_CA_BUNDLE": str(cert)})
    try:
        untrusted.fill(3)
        assert untrusted.uploader().step() is Step.RETRIED
        err = untrusted.store.db.execute("select error from sync_log").fetchone()[0]
        assert "TLS verification failed" in err
        assert untrusted.outbox_states() == {"claimed": 3}, "nothing is marked sent without a verified answer"
        trusted.fill(3)
        left = trusted.uploader().drain()
        assert left == 0, list(trusted.store.db.execute("select http_status, error from sync_log"))
        assert_exactly_once_and_chained(server, trusted)
    finally:
        for k in (untrusted, trusted):
            k.proxy.close()
            k.store.close()
        tls.close()


def test_worker_wakes_on_a_new_record_long_before_its_timer(server: Server, tmp_path: Path) -> None:
    k = make_kiosk(server, tmp_path, {"KIOSK_SYNC_INTERVAL_S": "120"})
    worker = make_worker(k.cfg, k.store)
    try:
        k.fill(5)
        worker.start()
        deadline = time.monotonic() + 10
        while k.outbox_states() != {"sent": 6} and time.monotonic() < deadline:  # 5 + the bundle_applied record
            time.sleep(0.05)
        assert k.outbox_states() == {"sent": 6}
        while worker.rounds < 1 and time.monotonic() < deadline:  # the first round is over: it sleeps
            time.sleep(0.02)
        assert worker.rounds == 1
        k.fill(1)
        started = time.monotonic()
        worker.notify()
        while (k.outbox_states() != {"sent": 7} or worker.rounds < 2) and time.monotonic() - started < 5:
            time.sleep(0.02)
        assert k.outbox_states() == {"sent": 7} and worker.rounds == 2, "the record waited for the 120 s timer"
    finally:
        worker.stop()
        k.proxy.close()
    assert_exactly_once_and_chained(server, k)
    k.store.close()


def test_kiosk_commands_end_to_end(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "kiosk"
    monkeypatch.setenv("KIOSK_STORE_DATA_DIR", str(data))
    monkeypatch.setenv("KIOSK_SYNC_BATCH_MAX_RECORDS", "50")
    monkeypatch.setenv("KIOSK_SYNC_TIMEOUT_S", "1")
    assert main(["sync", "--once"]) == 2
    assert "not provisioned" in capsys.readouterr().err
    assert main(["provision", "--server", server.central.url, "--enroll-code", "WRONG-CODE-0000"]) == 1
    assert "refused the enrolment (HTTP 403)" in capsys.readouterr().err
    assert main(["provision", "--server", server.central.url, "--enroll-code", server.enrol_code(), "--label", "North gate"]) == 0
    saved = json.loads(capsys.readouterr().out)
    secrets_file = data / "secrets" / "sync.json"
    assert saved["saved_to"] == str(secrets_file)
    assert secrets_file.stat().st_mode & 0o777 == 0o600 and secrets_file.parent.stat().st_mode & 0o777 == 0o700
    store = open_store(data / "kiosk.db")
    with store.writing() as w:
        for i in range(120):
            w.append("gate_entry", {"i": i})
    store.close()
    assert main(["sync", "--once"]) == 0
    out = capsys.readouterr().out
    assert "bundle: applied" in out and "still to send: 0" in out
    assert main(["sync", "status", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert (st["pending"], st["failed"], st["sent"], st["last_error"]) == (0, 0, 121, None)
    assert st["provisioned"] and st["last_success_at"] and st["bundle_etag"]
    assert main(["sync-log", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["direction"] for r in rows] == ["pull", "upload", "upload", "upload"]
    assert sum(r["records"] for r in rows if r["direction"] == "upload") == 121
    assert main(["sync-log", "--since", "2999-01-01"]) == 0
    assert "no sync attempts since then" in capsys.readouterr().out
    assert main(["sync-log", "--since", "yesterday"]) == 2
    assert "not a date or time" in capsys.readouterr().err
    # the server is gone: records stay pending, the exit code says so, status shows why
    monkeypatch.setenv("KIOSK_SYNC_SERVER_URL", "http://127.0.0.1:9")
    store = open_store(data / "kiosk.db")
    store.append("gate_entry", {"i": "late"})
    store.close()
    assert main(["sync", "--once"]) == 1
    assert "still to send: 1" in capsys.readouterr().out
    assert main(["sync", "status"]) == 0
    text = capsys.readouterr().out
    assert "pending:       1 record(s)" in text and "no answer from the server" in text


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://central.example.org", "must be an http(s) URL"),
        ("central.example.org", "must be an http(s) URL"),
        ("http://central.example.org", "refusing plain http"),
        ("https://central.example.org/?x=1", "without ?query"),
    ],
)
def test_provision_refuses_bad_server_urls(url: str, problem: str) -> None:
    with pytest.raises(ProvisionError, match=problem.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        check_server_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:8080/", "https://central.example.org"])
def test_provision_accepts_https_and_local_http(url: str) -> None:
    assert check_server_url(url) == url.rstrip("/")


def test_credentials_readable_by_others_are_refused(tmp_path: Path) -> None:
    creds = credentials.Credentials("https://c", "dev", "s" * 43, "kid", "pem", "2026-11-28T00:00:00+00:00")
    path = credentials.save(tmp_path, creds)
    assert credentials.load(tmp_path) == creds
    assert "s" * 43 not in repr(creds)
    os.chmod(path, 0o644)
    with pytest.raises(credentials.CredentialsError, match="chmod 600"):
        credentials.load(tmp_path)
    os.chmod(path, 0o600)
    path.write_text("{not json")
    with pytest.raises(credentials.CredentialsError, match="damaged"):
        credentials.load(tmp_path)


def test_worker_survives_a_failing_round_and_keeps_going(server: Server, tmp_path: Path) -> None:
    k = make_kiosk(server, tmp_path, {"KIOSK_SYNC_INTERVAL_S": "0.05"})
    worker = make_worker(k.cfg, k.store)
    real_pull = worker.puller.pull  # type: ignore[union-attr]
    calls = {"n": 0}

    def failing_once() -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk hiccup")
        return real_pull()

    worker.puller.pull = failing_once  # type: ignore[method-assign,union-attr]
    worker.pull_interval_s = 0.0
    try:
        k.fill(3)
        worker.start()
        deadline = time.monotonic() + 10
        while k.outbox_states() != {"sent": 4} and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls["n"] >= 2 and k.outbox_states() == {"sent": 4}
    finally:
        worker.stop()
        k.proxy.close()
        k.store.close()


def test_parked_records_are_shown_and_requeued_by_the_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sync.outbox import Outbox

    data = tmp_path / "kiosk"
    monkeypatch.setenv("KIOSK_STORE_DATA_DIR", str(data))
    store = open_store(data / "kiosk.db")
    with store.writing() as w:
        for i in range(3):
            w.append("gate_entry", {"i": i})
    box = Outbox(store)
    batch = box.claim(2, 10**6)
    assert batch
    box.park(batch, "HTTP 422 invalid: records.0.kind")
    store.close()
    assert main(["sync", "status"]) == 0
    out = capsys.readouterr().out
    assert "failed:        2 record(s) parked" in out and "retry-failed" in out
    assert "seq 1 (gate_entry), 1 attempt(s): HTTP 422 invalid: records.0.kind" in out
    assert "(not provisioned" in out
    assert main(["sync", "retry-failed"]) == 0
    assert "2 parked record(s) queued again" in capsys.readouterr().out
    assert main(["sync", "status", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert (st["pending"], st["failed"], st["provisioned"]) == (3, 0, False)
