"""`kiosk sync --once` after a retryable error: nothing stays claimed, each row says when it goes
next, and the exit 1 comes with its reason; status shows the last upload and the last bundle
pull apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.sync.conftest import FAST, Server, make_kiosk
from tests.sync.faultproxy import status


def _env(monkeypatch: pytest.MonkeyPatch, k: object) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KIOSK_STORE_DATA_DIR", str(k.cfg.data_dir))  # type: ignore[attr-defined]
    monkeypatch.setenv("KIOSK_SYNC_SERVER_URL", k.proxy.url)  # type: ignore[attr-defined]


def test_once_on_a_retryable_error_releases_its_claims_and_says_why(
    sqlite_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    k = make_kiosk(sqlite_server, tmp_path)
    try:
        k.fill(5)
        k.store.close()
        _env(monkeypatch, k)
        k.proxy.push(*[status(503, Retry_After="30")] * 3)
        assert main(["sync", "--once"]) == 1
        err = capsys.readouterr().err
        assert "record(s) not sent yet" in err and "503" in err, err
        assert main(["sync", "status", "--json"]) == 0
        st = json.loads(capsys.readouterr().out)
        assert st["pending"] == 6 and st["next_attempt_at"] is not None  # 5 + the bundle_applied record
        from kiosk.store.db import open_store

        store = open_store(k.cfg.db_path)
        try:
            states = store.db.execute("select state, next_attempt_at is not null, count(*) from outbox group by 1, 2").fetchall()
        finally:
            store.close()
        assert states == [("pending", 1, 6)], "no row stays claimed by the process that exited"
    finally:
        k.proxy.close()


def test_status_shows_the_last_upload_and_the_last_pull_apart(
    sqlite_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    k = make_kiosk(sqlite_server, tmp_path)
    try:
        k.fill(2)
        k.store.close()
        _env(monkeypatch, k)
        k.proxy.push(*[status(503)] * 20)  # every upload fails; the bundle pull goes through
        assert main(["sync", "--once"]) == 1
        capsys.readouterr()
        assert main(["sync", "status", "--json"]) == 0
        st = json.loads(capsys.readouterr().out)
        assert st["last_pull_at"] is not None and st["last_upload_at"] is None
        assert main(["sync", "status"]) == 0
        out = capsys.readouterr().out
        assert "last upload:   never (no batch accepted yet)" in out and "last pull:     never" not in out
        k.proxy.script.clear()
        assert main(["sync", "--once"]) == 0
        capsys.readouterr()
        assert main(["sync", "status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["last_upload_at"] is not None
    finally:
        k.proxy.close()
