"""`kiosk report`, `kiosk export`, `kiosk roster`, `kiosk admin` end to end on a real data folder."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.db import open_store
from tests.workflow.conftest import ID_CHAOYANG, table_verify


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in [v for v in os.environ if v.startswith("KIOSK_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("KIOSK_STORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def _seed(data_dir: Path) -> None:
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(data_dir)})
    store = open_store(cfg.db_path)
    try:
        gate = GateService(store, cfg, table_verify)
        gate.pass_gate(GateRequest(qr_text="GREEN:a", readings=(Measurement(36.4, Method.INFRARED),)))
        gate.pass_gate(GateRequest(qr_text="RED:b", readings=(Measurement(36.4, Method.INFRARED),)))
    finally:
        store.close()


def test_roster_import_then_export_masked_and_full(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(f"姓名,身份证号,手机号,楼栋,单元,房号\n张三,{ID_CHAOYANG},13812345678,3,2,401\n", encoding="utf-8")
    assert main(["roster", "import", str(roster)]) == 0
    assert "1 added" in capsys.readouterr().out
    assert main(["roster", "search", "002X"]) == 0
    out = capsys.readouterr().out
    assert "张*" in out and "110***********002X" in out and ID_CHAOYANG not in out
    _seed(data_dir)
    from kiosk.commands.report import parse_day  # noqa: F401  (import check)

    today = _today()
    assert main(["export", "--from", today, "--to", today, "--format", "csv", "-o", "masked.csv"]) == 0
    with open(tmp_path / "masked.csv", encoding="utf-8-sig") as fh:
        assert [r["outcome"] for r in csv.DictReader(fh)] == ["pass", "deny"]
    _stdin(monkeypatch, "2468\n")
    assert main(["export", "--from", today, "--to", today, "--full", "--pin-stdin"]) == 1
    assert "no admin PIN" in capsys.readouterr().err
    _stdin(monkeypatch, "1111\n1111\n")
    assert main(["admin", "set-pin", "--pin-stdin"]) == 1
    assert "too easy" in capsys.readouterr().err
    _stdin(monkeypatch, "2468\n2469\n")
    assert main(["admin", "set-pin", "--pin-stdin"]) == 1
    _stdin(monkeypatch, "2468\n2468\n")
    assert main(["admin", "set-pin", "--pin-stdin"]) == 0
    _stdin(monkeypatch, "0000\n")
    assert main(["export", "--from", today, "--to", today, "--full", "--pin-stdin"]) == 1
    assert "4 tries left" in capsys.readouterr().err
    _stdin(monkeypatch, "2468\n")
    assert main(["export", "--from", today, "--to", today, "--format", "xlsx", "--full", "--pin-stdin", "-o", "full.xlsx"]) == 0
    assert "FULL" in capsys.readouterr().out and (tmp_path / "full.xlsx").stat().st_size > 0


def _today() -> str:
    import datetime as dt
    import zoneinfo

    return dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_report_daily_formats(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(data_dir)
    today = _today()
    assert main(["report", "daily", "--date", today, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["entries_in"], data["codes_red"], data["denials"], data["kind"]) == (2, 1, 1, "daily")
    assert main(["report", "daily", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("day,entries_in") and len(lines) == 2
    assert main(["report", "daily", "--file"]) == 0
    assert "日报告" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="not a date"):
        main(["report", "daily", "--date", "28/11/2026"])


def test_report_file_due(data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_REPORT_HOUR", "0")  # today's report is due whatever the hour
    _seed(data_dir)
    assert main(["report", "file-due"]) == 0
    assert f"filed the daily report for {_today()}" in capsys.readouterr().out
    assert main(["report", "file-due"]) == 0
    assert "nothing due" in capsys.readouterr().out


def test_key_groups_listing(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.service.visitors import VisitorForm
    from tests.workflow.conftest import ID_DEAN

    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(data_dir)})
    store = open_store(cfg.db_path)
    try:
        GateService(store, cfg, table_verify).register_visitor(
            VisitorForm("李小龙", "13912345678", "cn-id", ID_DEAN, "360426", "送货", "5", inbound=True))
    finally:
        store.close()
    assert main(["roster", "key-groups"]) == 0
    out = capsys.readouterr().out
    assert "李**" in out and "inbound" in out and "360***********0071" in out and ID_DEAN not in out
    assert "1 key-group people" in out


def test_add_guard_sets_the_guards_pin(data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "2580\n2580\n")
    assert main(["admin", "add-guard", "王建国", "--phone", "010-12345678", "--pin-stdin"]) == 0
    _stdin(monkeypatch, "1357\n1357\n")
    assert main(["admin", "add-guard", "王建国", "--pin-stdin"]) == 1
    assert "already exists" in capsys.readouterr().err
    _stdin(monkeypatch, "1111\n1111\n")
    assert main(["admin", "add-guard", "李四", "--pin-stdin"]) == 1  # a guessable PIN is refused
    assert "too easy" in capsys.readouterr().err
    _stdin(monkeypatch, "1357\n1358\n")
    assert main(["admin", "add-guard", "李四", "--pin-stdin"]) == 1
    store = open_store(load_config().db_path)
    try:
        from kiosk.service.duty import DutyRoster

        roster = DutyRoster(store)
        assert roster.guard_names() == ["王建国"]
        (stored,) = store.db.execute("select pin_hash from guards").fetchone()
        assert stored.startswith("$argon2id$") and "2580" not in stored
        assert roster.sign_in("王建国", "2580").duty_phone == "010-12345678"  # the PIN set here signs in
    finally:
        store.close()


def test_unlock_guard_needs_the_admin_pin(data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.service.duty import DutyRoster

    _stdin(monkeypatch, "2468\n2468\n")
    assert main(["admin", "set-pin", "--pin-stdin"]) == 0
    _stdin(monkeypatch, "2580\n2580\n")
    assert main(["admin", "add-guard", "王建国", "--pin-stdin"]) == 0
    store = open_store(load_config().db_path)
    try:
        for _ in range(5):
            with pytest.raises(ValueError, match="wrong PIN|locked"):
                DutyRoster(store).sign_in("王建国", "0000")
    finally:
        store.close()
    _stdin(monkeypatch, "9999\n")
    assert main(["admin", "unlock-guard", "王建国", "--pin-stdin"]) == 1  # not the admin
    _stdin(monkeypatch, "2468\n")
    assert main(["admin", "unlock-guard", "王建国", "--pin-stdin"]) == 0
    assert "unlocked" in capsys.readouterr().out
    store = open_store(load_config().db_path)
    try:
        assert DutyRoster(store).sign_in("王建国", "2580").name == "王建国"
        kinds = [k for (k,) in store.db.execute("select kind from journal where kind like 'pin_%' order by seq")]
        assert kinds.count("pin_failed") == 6 and "pin_locked" in kinds and kinds[-1] == "pin_unlocked"
    finally:
        store.close()


@pytest.mark.parametrize("args", [["report", "daily", "--json"], ["export", "--from", "2026-11-01", "--to", "2026-11-02"]])
def test_headless(tmp_path: Path, args: list[str]) -> None:
    probe = "import sys, json\nfrom kiosk.cli import main\ncode = main(sys.argv[1:])\nprint(json.dumps([code, 'kivy' in sys.modules, 'cv2' in sys.modules]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_STORE_DATA_DIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, False, False], proc.stderr
