"""Only `serve`, `migrate` and `init` create a server; read-only commands refuse a missing one
(exit 2, a message naming what was looked for) and leave the folder as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.server.central import run_cli

READ_ONLY = [
    ("records", "count"),
    ("device", "list"),
    ("sync-log",),
    ("reports",),
    ("admin-token",),
    ("roster", "list"),
    ("mode",),
    ("device", "add"),
]


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_command_refuses_a_missing_data_folder_and_creates_nothing(tmp_path: Path, args: tuple[str, ...]) -> None:
    data = tmp_path / "central-data"
    proc = run_cli(data, f"sqlite:///{data / 'central.db'}", *args, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no server data folder" in proc.stderr and "kiosk-central init" in proc.stderr
    assert _tree(tmp_path) == []


def test_a_typo_in_the_database_path_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "central-data"
    assert run_cli(data, f"sqlite:///{data / 'central.db'}", "init").returncode == 0
    before = _tree(tmp_path)
    typo = tmp_path / "centrl.db"
    proc = run_cli(data, f"sqlite:///{typo}", "records", "count", check=False)
    assert proc.returncode == 2 and f"no server database at {typo}" in proc.stderr
    assert _tree(tmp_path) == before
    assert "total  0" in run_cli(data, f"sqlite:///{data / 'central.db'}", "records", "count").stdout


def test_an_empty_database_file_is_not_a_server(tmp_path: Path) -> None:
    data = tmp_path / "central-data"
    data.mkdir()
    (data / "central.db").write_bytes(b"")
    proc = run_cli(data, f"sqlite:///{data / 'central.db'}", "device", "list", check=False)
    assert proc.returncode == 2 and "holds no kiosk-central schema" in proc.stderr


def test_a_missing_postgresql_database_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "central-data"
    assert run_cli(data, f"sqlite:///{data / 'central.db'}", "init").returncode == 0
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db_{os.getpid()}"
    proc = run_cli(data, url, "records", "count", check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "kiosk-central init" in proc.stderr


def test_init_and_migrate_create(tmp_path: Path) -> None:
    for cmd in ("init", "migrate"):
        data = tmp_path / cmd
        assert run_cli(data, f"sqlite:///{data / 'central.db'}", cmd).returncode == 0
        assert (data / "central.db").is_file() and (data / "secrets" / "admin_token").is_file()
