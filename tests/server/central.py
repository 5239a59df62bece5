"""Test helpers: the real kiosk-central in a subprocess on 127.0.0.1, a throwaway PostgreSQL
database, and a minimal signed client built on sync.protocol (the same code the kiosk uses)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from kiosk.store.db import Store, open_store
from sync.protocol import JSON_TYPE, PATH_BATCHES, PATH_ENROLL, encode_batch, sign_request, wire_record
from sync.server.cli import main as cli_main

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "kiosk-central"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(data_dir: Path, db_url: str, *args: str, check: bool = True, subprocess_: bool = False) -> subprocess.CompletedProcess[str]:
    """`kiosk-central ARGS --data-dir D --db URL`: in this process (the same code as the console script,
    without a second of interpreter start-up per call), or as the installed console script."""
    argv = [*args, "--data-dir", str(data_dir), "--db", db_url]
    if subprocess_:
        proc = subprocess.run([str(BIN), *argv], capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    else:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_main(argv)
            except SystemExit as exc:  # argparse refusals
                code = int(exc.code or 0)
        proc = subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


@dataclass
class Central:
    """A running server process and the folders it uses."""

    url: str
    data_dir: Path
    db_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    codes: list[str] = field(default_factory=list)

    def cli(self, *args: str, check: bool = True, subprocess_: bool = False) -> subprocess.CompletedProcess[str]:
        return run_cli(self.data_dir, self.db_url, *args, check=check, subprocess_=subprocess_)

    def admin_token(self) -> str:
        return (self.data_dir / "secrets" / "admin_token").read_text().strip()

    def admin_get(self, path: str, **params: Any) -> Any:
        resp = requests.get(self.url + path, params=params, headers={"Authorization": f"Bearer {self.admin_token()}"}, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def records_count(self, device_id: str) -> int:
        return int(self.admin_get("/admin/records/count", device=device_id).get(device_id, 0))

    def enrol_code(self) -> str:
        """One-time codes from `kiosk-central device add --count` (minted in bulk: a CLI start costs a second)."""
        if not self.codes:
            self.codes = [d["enroll_code"] for d in json.loads(self.cli("device", "add", "--count", "40", "--json").stdout)]
        return self.codes.pop()

    def enrol(self, store: Store, label: str = "gate") -> Kiosk:
        code = self.enrol_code()
        resp = requests.post(self.url + PATH_ENROLL, json=enrol_body(code, store.device_id), timeout=10)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return Kiosk(self, store, body["device_id"], body["device_secret"], body)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# Tests and benchmarks send far more than a gate would: the rate limits are raised unless a test
# sets its own (tests/server/test_rate_limits.py).
UNLIMITED = {"KIOSK_CENTRAL_RATE_ANON_PER_MINUTE": "10000000", "KIOSK_CENTRAL_RATE_DEVICE_PER_MINUTE": "10000000",
             "KIOSK_CENTRAL_RATE_CODE_CHECK_PER_MINUTE": "10000000"}


def start_central(data_dir: Path, db_url: str, workers: int = 1, port: int | None = None, env: dict[str, str] | None = None) -> Central:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    cmd = [str(BIN), "serve", "--data-dir", str(data_dir), "--db", db_url, "--port", str(port), "--workers", str(workers)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **UNLIMITED, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"kiosk-central exited with {proc.returncode}: {log_path.read_text()[-3000:]}")
        try:
            if requests.get(url + "/v1/time", timeout=1).status_code == 200:
                return Central(url, data_dir, db_url, proc, log_path)
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"kiosk-central did not start on {url}: {log_path.read_text()[-3000:]}")


@dataclass
class Kiosk:
    """A real kiosk store plus its enrolment, sending batches the way the protocol says."""

    central: Central
    store: Store
    device_id: str
    secret: str
    enrolment: dict[str, Any]
    session: requests.Session = field(default_factory=requests.Session)

    def append(self, n: int, kind: str = "gate_entry") -> list[dict[str, Any]]:
        out = []
        with self.store.writing() as w:
            for i in range(n):
                out.append(wire_record(w.append(kind, {"i": i, "outcome": "pass", "temperature_c": 36.5})))
        return out

    @property
    def journal_id(self) -> str:
        """The id the kiosk's records are hashed under (its own; the server's device id is another)."""
        return self.store.device_id

    def batch_body(self, recs: list[dict[str, Any]], batch_id: str | None = None) -> tuple[str, bytes]:
        batch_id = batch_id or str(uuid.uuid4())
        return batch_id, encode_batch(self.device_id, batch_id, recs)

    def post(self, path: str, body: bytes, *, headers: dict[str, str] | None = None, sign: bool = True,
             secret: str | None = None, now: float | None = None, nonce: str | None = None) -> requests.Response:
        hdrs = dict(headers or {})
        if sign:
            hdrs.update(sign_request(self.device_id, secret or self.secret, "POST", path, body, now=now, nonce=nonce))
        return self.session.post(self.central.url + path, data=body, headers=hdrs, timeout=30)

    def send(self, recs: list[dict[str, Any]], batch_id: str | None = None) -> requests.Response:
        batch_id, body = self.batch_body(recs, batch_id)
        return self.post(PATH_BATCHES, body, headers=batch_headers(batch_id))

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        hdrs = {**(headers or {}), **sign_request(self.device_id, self.secret, "GET", path, b"")}
        return self.session.get(self.central.url + path, headers=hdrs, timeout=30)


def enrol_body(code: str, journal_id: str, **more: Any) -> dict[str, Any]:
    """An enrolment request as the kiosk sends it (a fresh enrolment key each time)."""
    return {"protocol": 1, "enroll_code": code, "journal_id": journal_id, "enroll_key": uuid.uuid4().hex, **more}


def batch_headers(batch_id: str) -> dict[str, str]:
    return {"Content-Type": JSON_TYPE, "Content-Encoding": "gzip", "Idempotency-Key": batch_id}


def new_store(tmp: Path) -> Store:
    return open_store(tmp / f"kiosk-{uuid.uuid4().hex[:8]}.db")


def create_pg_database() -> str:
    """A throwaway database; returns its SQLAlchemy URL. Fails (never skips) when PostgreSQL is unreachable."""
    import psycopg

    name = f"kiosk_central_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'create database "{name}"')
    except psycopg.OperationalError as exc:
        raise AssertionError(
            f"PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth) is required for these tests and could not be reached: {exc}"
        ) from None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def error_of(resp: requests.Response) -> dict[str, Any]:
    body = json.loads(resp.content)
    assert set(body) == {"error"}, body
    return dict(body["error"])
