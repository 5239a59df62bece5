"""Server settings are checked at start; admin commands validate their input (no server needed)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from sync.server.settings import ServerSettings, SettingsError, env_name, from_env, settings_table, to_env
from tests.server.central import run_cli

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ({"KIOSK_CENTRAL_PORT": "http"}, "KIOSK_CENTRAL_PORT='http' is not a whole number"),
        ({"KIOSK_CENTRAL_PORT": "70000"}, "KIOSK_CENTRAL_PORT"),
        ({"KIOSK_CENTRAL_WORKERS": "4"}, "--workers > 1 needs PostgreSQL"),
        ({"KIOSK_CENTRAL_DB": "mysql://x"}, "KIOSK_CENTRAL_DB"),
        ({"KIOSK_CENTRAL_CLOCK_WINDOW_S": "5"}, "30-3600"),
        ({"KIOSK_CENTRAL_MAX_BATCH_BYTES": "10"}, "KIOSK_CENTRAL_MAX_BATCH_BYTES"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(env: dict[str, str], expect: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(expect)):
        from_env(env)


def test_settings_round_trip_through_the_environment(tmp_path: Path) -> None:
    s = from_env({}, data_dir=tmp_path, db="postgresql+psycopg://postgres@127.0.0.1/x", workers=3, port=9000)
    assert from_env(to_env(s)) == s
    assert from_env({}).db_url.startswith("sqlite:///") and from_env({}).db_url.endswith("central-data/central.db")


def test_every_setting_is_declared_once_with_a_type_a_default_and_a_help() -> None:
    defaults = from_env({})
    for name, declared in ServerSettings.model_fields.items():
        assert declared.annotation in (int, str, bool, Path), f"{name}: {declared.annotation}"
        assert not declared.is_required() and getattr(defaults, name) == declared.default, name
        assert declared.description and len(declared.description) > 3, f"{name} needs a help text"


def test_every_setting_is_read_from_its_variable_and_an_option_wins() -> None:
    changed = {"data_dir": Path("/srv/c"), "db": "postgresql+psycopg://u@h/d", "host": "::1", "tls_cert": "c.pem", "tls_key": "k.pem",
               "api_docs": True, "public_url": "https://c.example", "alert_webhook_url": "https://hook.example/a",
               "alert_webhook_secret": "s" * 16, "timezone": "Europe/Berlin", "monitoring_days": "inbound=7"}
    for name, declared in ServerSettings.model_fields.items():
        value = changed.get(name, declared.default + 1 if isinstance(declared.default, int) else None)
        assert value is not None, f"{name}: give the test a value to set"
        needs = {"alert_webhook_url": {"alert_webhook_secret": "s" * 16}, "workers": {"db": changed["db"]}}.get(name, {})
        env = {env_name(n): str(v) for n, v in {name: value, **needs}.items()}
        assert getattr(from_env(env), name) == value, name
    assert from_env({"KIOSK_CENTRAL_PORT": "9000"}, port=9100).port == 9100  # a CLI option over the variable
    assert from_env({"KIOSK_CENTRAL_PORT": "9000"}, port=None).port == 9000  # an option not given leaves it


def test_the_settings_table_in_the_docs_is_generated_from_the_declarations() -> None:
    assert settings_table() in (REPO / "docs" / "central-server.md").read_text(encoding="utf-8"), (
        "docs/central-server.md's settings table is stale: paste the output of "
        "`python -c 'from sync.server.settings import settings_table; print(settings_table())'`")


def test_roster_import_is_all_or_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run_cli(tmp_path, db, "init")
    good = tmp_path / "good.csv"
    good.write_text("name,id_number,phone,building,unit,room\n张三,11010519491231002X,13800138000,3,2,301\n李四,,,3,2,302\n", encoding="utf-8")
    assert "imported 2" in run_cli(tmp_path, db, "roster", "import", str(good)).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id_number\n王五,11010519491231002X\n赵六,110105194912310021\n", encoding="utf-8")
    refused = run_cli(tmp_path, db, "roster", "import", str(bad), check=False)
    assert refused.returncode == 2 and "line 3" in refused.stderr and "check digit" in refused.stderr
    rows = json.loads(run_cli(tmp_path, db, "roster", "list", "--json").stdout)
    assert sorted(r["name"] for r in rows) == ["张三", "李四"]
    assert all("11010519491231002X" not in json.dumps(r, ensure_ascii=False) for r in rows)
    assert any(r["id_masked"].endswith("002X") for r in rows)
    with sqlite3.connect(tmp_path / "c.db") as conn:  # at rest: ciphertext, not the number
        stored = conn.execute("select id_number, phone from roster where name = '张三'").fetchone()
    assert stored[0] and "11010519491231002X" not in stored[0] and "13800138000" not in stored[1]


def test_issue_code_refuses_bad_input(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run_cli(tmp_path, db, "init")
    bad_id = run_cli(tmp_path, db, "issue-code", "--name", "张三", "--id-number", "123", check=False)
    assert bad_id.returncode == 2 and "18 characters" in bad_id.stderr
    bad_days = run_cli(tmp_path, db, "issue-code", "--kind", "cn-signed", "--name", "张三", "--id-number", "11010519491231002X",
                       "--valid-days", "90", check=False)
    assert bad_days.returncode == 2 and "1-31" in bad_days.stderr
    unknown = run_cli(tmp_path, db, "code", "set-colour", "nope", "red", check=False)
    assert unknown.returncode == 2 and "no code with token" in unknown.stderr


def test_device_list_shows_new_codes_only_once_used(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run_cli(tmp_path, db, "init")
    codes = json.loads(run_cli(tmp_path, db, "device", "add", "--count", "3", "--label", "East", "--json").stdout)
    assert len({c["enroll_code"] for c in codes}) == 3 and all(len(c["enroll_code"]) == 14 for c in codes)
    assert json.loads(run_cli(tmp_path, db, "device", "list", "--json").stdout) == []
    assert (tmp_path / "secrets" / "admin_token").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700


def test_sealed_values_round_trip_and_legacy_clear_text_is_read() -> None:
    from cryptography.fernet import Fernet, InvalidToken

    from sync.server.lists.bundles import seal, unseal

    key = Fernet(Fernet.generate_key())
    token = seal(key, "11010519491231002X")
    assert token.startswith("gAAAAA") and unseal(key, token) == "11010519491231002X"
    assert seal(key, "") == "" and unseal(key, "") == ""
    assert unseal(key, "13800138000") == "13800138000"  # written before migration 0002
    with pytest.raises(InvalidToken):
        unseal(Fernet(Fernet.generate_key()), token)  # another key: an error, never garbage
