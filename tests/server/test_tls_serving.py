"""`kiosk-central serve` never offers plain HTTP beyond loopback; with a certificate it serves HTTPS itself."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.server.central import BIN, UNLIMITED, free_port, run_cli


@pytest.mark.parametrize(("args", "problem"), [
    (["--host", "0.0.0.0"], "refusing plain HTTP on 0.0.0.0"),
    (["--host", "192.168.1.20"], "refusing plain HTTP on 192.168.1.20"),
    (["--tls-cert", "/nonexistent.pem"], "go together"),
    (["--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"], "no such file"),
])
def test_serve_refuses_plain_http_on_the_network(tmp_path: Path, args: list[str], problem: str) -> None:
    proc = run_cli(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", "serve", *args, check=False)
    assert proc.returncode == 2 and problem in proc.stderr, proc.stderr


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def test_serve_with_a_certificate_speaks_https(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    port = free_port()
    cmd = [str(BIN), "serve", "--data-dir", str(tmp_path / "d"), "--db", f"sqlite:///{tmp_path / 'c.db'}", "--port", str(port),
           "--tls-cert", str(cert), "--tls-key", str(key)]
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **UNLIMITED})
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = requests.get(f"https://127.0.0.1:{port}/v1/time", verify=str(cert), timeout=2)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, (tmp_path / "server.log").read_text()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/v1/time", timeout=2)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
