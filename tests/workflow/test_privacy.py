"""Personal data stays where it belongs (issue 10): the vault key outside the data folder,
private file modes, free text masked as it leaves, visitors purged with their records,
and production mode refusing the demo PIN."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from kiosk.config import Config, load_config
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.admin_pin import DEMO_PIN, AdminPin
from kiosk.service.export import export_rows, write_csv, write_xlsx
from kiosk.service.gate import GateRequest, GateService
from kiosk.service.people import VisitorForm
from kiosk.store.db import Store, open_store
from kiosk.store.secrets import SecretsError, default_secrets_dir
from kiosk.store.vault import Vault, VaultError
from sync.retention import purge
from tests.workflow.conftest import GUARD_PIN, ID_DEAN, Clock

NORMAL = (Measurement(36.5, Method.INFRARED),)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


# --- the vault key and the admin PIN hash live outside the data folder ------------------------
def test_an_old_vault_key_is_moved_out_of_the_data_folder_and_still_opens_the_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = data / "secrets" / "vault.key"
    old.parent.mkdir(parents=True)
    key = Vault(b"k" * 32)
    import base64

    old.write_bytes(base64.urlsafe_b64encode(b"k" * 32) + b"\n")
    os.chmod(old, 0o600)
    cipher, _ = key.protect(ID_DEAN)
    moved = Vault.open(data)  # what every start does
    assert moved.reveal(cipher) == ID_DEAN
    new = default_secrets_dir(data) / "vault.key"
    assert not old.exists() and new.exists() and not new.is_relative_to(data)
    assert _mode(new) == 0o600 and _mode(new.parent) == 0o700
    assert not any(p.name == "vault.key" for p in data.rglob("*"))  # a copy of the data folder has no key


def test_a_vault_key_readable_by_others_is_refused_where_it_is(tmp_path: Path) -> None:
    old = tmp_path / "data" / "secrets" / "vault.key"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x" * 44)
    os.chmod(old, 0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        Vault.open(tmp_path / "data")
    assert old.exists() and not (default_secrets_dir(tmp_path / "data") / "vault.key").exists()


def test_two_different_keys_stop_the_kiosk_instead_of_guessing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Vault.open(data)
    old = data / "secrets" / "vault.key"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"another key\n")
    os.chmod(old, 0o600)
    with pytest.raises(SecretsError, match="differ"):
        Vault.open(data)


def test_the_secrets_folder_setting_is_honoured_and_the_admin_pin_moves_too(tmp_path: Path, store: Store, cfg: Config) -> None:
    AdminPin(store, cfg.data_dir).set_pin("2468")
    legacy = cfg.data_dir / "secrets" / "admin_pin"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    os.replace(default_secrets_dir(cfg.data_dir) / "admin_pin", legacy)  # as an older kiosk left it
    custom = cfg.replace(store__secrets_dir=str(tmp_path / "elsewhere"))
    assert custom.secrets_dir == tmp_path / "elsewhere"
    pin = AdminPin.for_config(store, custom)
    assert pin.path == tmp_path / "elsewhere" / "admin_pin" and not legacy.exists()
    assert pin.verify("2468").ok
    Vault.for_config(custom)
    assert (tmp_path / "elsewhere" / "vault.key").exists() and _mode(tmp_path / "elsewhere") == 0o700


# --- file modes --------------------------------------------------------------------------------
def test_the_database_and_its_folder_are_private(tmp_path: Path) -> None:
    data = tmp_path / "new"
    s = open_store(data / "kiosk.db")
    s.append("probe", {})
    try:
        assert _mode(data) == 0o700
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm", "kiosk.db.lock"):
            assert _mode(data / name) == 0o600, name
    finally:
        s.close()
    os.chmod(data, 0o755)
    os.chmod(data / "kiosk.db", 0o644)  # as an older kiosk left them
    open_store(data / "kiosk.db").close()
    assert _mode(data) == 0o700 and _mode(data / "kiosk.db") == 0o600


def test_exports_are_written_0600_even_over_an_older_file(tmp_path: Path) -> None:
    for writer, name in ((write_csv, "a.csv"), (write_xlsx, "a.xlsx")):
        path = tmp_path / name
        path.write_text("old")
        os.chmod(path, 0o644)
        writer([], path)
        assert _mode(path) == 0o600, name


# --- free text leaves the kiosk masked ------------------------------------------------------------
def test_override_and_visit_reasons_are_masked_in_the_records_that_leave(on_duty: GateService, store: Store) -> None:
    gate = on_duty
    visitor = gate.register_visitor(VisitorForm(
        name="李明", phone="13812345678", id_type="cn-id", id_number=ID_DEAN, origin_region="110105",
        reason="探望母亲张三13812345678", host_building="3", host_unit="2", host_room="301"))
    out = gate.pass_gate(GateRequest(qr_text="YELLOW:x", readings=NORMAL, person_uuid=visitor.person.uuid))
    gate.override(out.entry_uuid, "张三的儿子，电话13900001111", GUARD_PIN)
    bodies = [b for (b,) in store.db.execute("select body from journal")]
    assert not any("张三" in b or "13812345678" in b or "13900001111" in b or "母亲" in b for b in bodies)
    visit = json.loads(next(b for (k, b) in store.db.execute("select kind, body from journal") if k == "visitor"))
    assert visit["reason"] == "探" + "*" * 16  # 17 characters, only the first kept
    # the kiosk's own tables keep the full text for its admin, until retention
    assert store.db.execute("select reason from visitor_registrations").fetchone() == ("探望母亲张三13812345678",)
    day = dt.date(2026, 11, 28)
    (masked,) = export_rows(store, gate.vault, day, day, "Asia/Shanghai")
    (full,) = export_rows(store, gate.vault, day, day, "Asia/Shanghai", full=True)
    assert masked["override_reason"].startswith("张*") and "139" not in masked["override_reason"]
    assert full["override_reason"] == "张三的儿子，电话13900001111"


# --- visitors purged with their records ------------------------------------------------------------
def test_retention_purges_visitors_personal_data_with_their_records(on_duty: GateService, store: Store, clock: Clock) -> None:
    gate = on_duty
    visitor = gate.register_visitor(VisitorForm(
        name="李明", phone="13812345678", id_type="cn-id", id_number=ID_DEAN, origin_region="110105",
        reason="探亲", host_building="3", host_unit="2", host_room="301"))
    gate.pass_gate(GateRequest(qr_text="GREEN:x", readings=NORMAL, person_uuid=visitor.person.uuid))
    later = clock() + dt.timedelta(days=30)
    kept = purge(store, 28, now=later)
    assert kept.visitors_purged == 0  # not acknowledged by the server yet: nothing goes
    with store.writing() as w:
        w.db.execute("update outbox set state = 'sent', acked_at = ?", [later.isoformat()])
    result = purge(store, 28, now=later)
    assert result.purged > 0 and result.visitors_purged == 1
    assert store.db.execute("select count(*) from people where kind = 'visitor'").fetchone()[0] == 0
    assert store.db.execute("select count(*) from visitor_registrations").fetchone()[0] == 0
    assert store.check() == []


# --- production mode ------------------------------------------------------------------------------
def test_production_mode_refuses_the_demo_pin(store: Store, cfg: Config) -> None:
    from kiosk.commands.demo import DEMO_PIN as PRINTED
    from kiosk.commands.run import production_problem

    assert PRINTED == DEMO_PIN
    prod = cfg.replace(kiosk__production=True)
    assert "needs an admin PIN" in production_problem(prod, store)
    pin = AdminPin.for_config(store, prod)
    pin.set_pin(DEMO_PIN)
    assert production_problem(cfg, store) == ""  # not production: the demo may run
    assert "demo" in production_problem(prod, store)
    pin.set_pin("2468")
    assert production_problem(prod, store) == ""


def test_kiosk_run_in_production_with_the_demo_pin_exits_before_any_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    for var in [v for v in os.environ if v.startswith("KIOSK_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("KIOSK_STORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_KIOSK_PRODUCTION", "true")
    cfg = load_config()
    s = open_store(cfg.db_path)
    try:
        AdminPin.for_config(s, cfg).set_pin(DEMO_PIN)
    finally:
        s.close()
    assert main(["run"]) == 2
    assert "demo" in capsys.readouterr().err

