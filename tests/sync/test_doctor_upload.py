"""`kiosk doctor` against the real central server: reachability, enrolment and clock skew
measured; the result travels with the next batch and shows in `kiosk-central device list`."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from sync import doctor_status
from sync.factory import make_link, make_puller
from sync.protocol import BatchEnvelope, gunzip_limited
from sync.protocol.batch import parse_model
from tests.server.central import free_port
from tests.sync.conftest import Server, make_kiosk


def doctor(monkeypatch: pytest.MonkeyPatch, data_dir: Path, server_url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("KIOSK_STORE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KIOSK_SYNC_SERVER_URL", server_url)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["doctor", "--json", "--headless", *extra])
    return code, json.loads(out.getvalue())


def lines(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result["checks"]}


def test_doctor_all_green_then_uploaded_with_the_batch(sqlite_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    srv = sqlite_server
    k = make_kiosk(srv, tmp_path)
    try:
        code, first = doctor(monkeypatch, k.cfg.data_dir, srv.central.url)
        got = lines(first)
        assert got["server"]["ok"] and k.creds.device_id in got["server"]["summary"]
        assert got["clock"]["ok"] and ("behind" in got["clock"]["summary"] or "ahead of" in got["clock"]["summary"])
        assert not got["bundle"]["ok"] and code == 1  # nothing pulled yet: exit 1, and says what to do
        assert "kiosk sync --once" in got["bundle"]["fix"]

        make_puller(k.store, make_link(k.cfg, k.creds, k.store)).pull()
        code, healthy = doctor(monkeypatch, k.cfg.data_dir, srv.central.url)
        assert code == 0 and healthy["ok"], [c for c in healthy["checks"] if not c["ok"]]
        assert doctor_status.load(k.cfg.data_dir) == healthy  # kept for upload

        k.fill(2)
        uploader = k.uploader()
        sent: list[bytes] = []
        original = uploader.link.request

        def spy(method: str, path: str, body: bytes = b"", headers: Any = None) -> Any:
            sent.append(body)
            return original(method, path, body, headers)

        uploader.link.request = spy  # type: ignore[method-assign]
        uploader.step()
        envelope = parse_model(BatchEnvelope, gunzip_limited(sent[0]))
        assert envelope.doctor is not None and envelope.doctor.at == healthy["at"]

        listed = srv.central.cli("device", "list").stdout
        assert "all ✔" in listed and "doctor" in listed  # the doctor column of the gate's row
        (row,) = json.loads(srv.central.cli("device", "list", "--json").stdout)
        assert row["doctor"] == "all ✔"
        views = srv.central.admin_get("/admin/devices")
        mine = next(v for v in views if v["device_id"] == k.creds.device_id)
        assert mine["doctor"] == "all ✔" and mine["doctor_at"] == healthy["at"] and len(mine["doctor_checks"]) == 11
    finally:
        k.proxy.close()
        k.store.close()


def test_doctor_sees_a_disabled_device_and_an_unreachable_server(sqlite_server: Server, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    srv = sqlite_server
    k = make_kiosk(srv, tmp_path)
    try:
        srv.central.cli("device", "disable", k.creds.device_id)
        code, result = doctor(monkeypatch, k.cfg.data_dir, srv.central.url)
        server = lines(result)["server"]
        assert code == 1 and not server["ok"] and "refuses device" in server["summary"] and "enrol again" in server["fix"]
        assert lines(result)["clock"]["ok"]  # a 401 still carries the server's time

        nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        code, result = doctor(monkeypatch, k.cfg.data_dir, nobody)
        assert code == 1 and "does not answer" in lines(result)["server"]["summary"]
        assert not lines(result)["clock"]["ok"]
    finally:
        k.proxy.close()
        k.store.close()


def test_a_tampered_result_file_is_not_sent(tmp_path: Path) -> None:
    doctor_status.path_for(tmp_path).write_text('{"at": "yesterday", "ok": true, "checks": []}')
    assert doctor_status.load(tmp_path) is None
    with pytest.raises(ValueError):
        doctor_status.save(tmp_path, {"at": "2026-11-29T10:00:00+00:00", "ok": True, "checks": [{"name": "Camera!", "ok": True, "summary": ""}]})
