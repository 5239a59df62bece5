"""End to end with the real reference server (kiosk-central, SQLite backend, in a
subprocess): codes it issues, the bundle the kiosk pulls, and its code check, all through
`kiosk verify` as other tools run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import load_config
from kiosk.store.db import open_store
from sync.provision import provision
from tests.server.central import BIN, Central, start_central

ID = "11010519491231002X"


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    data_dir = tmp_path_factory.mktemp("central-verify")
    server = start_central(data_dir, f"sqlite:///{data_dir / 'central.db'}")
    yield server
    server.stop()


@pytest.fixture
def kiosk_env(central: Central, tmp_path: Path) -> dict[str, str]:
    env = {
        "KIOSK_STORE_DATA_DIR": str(tmp_path / "kiosk"),
        "KIOSK_SYNC_SERVER_URL": central.url,
        "KIOSK_CODES_CHECK_TIMEOUT_S": "2.0",
    }
    cfg = load_config(env=env)
    store = open_store(cfg.db_path)
    try:
        provision(store, cfg.data_dir, central.url, central.enrol_code())
    finally:
        store.close()
    return env


def kiosk(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")} | env
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, env=full, timeout=120
    )
    return proc.returncode, proc.stdout, proc.stderr


def issue(central: Central, *args: str) -> dict[str, Any]:
    out = central.cli("issue-code", "--name", "张三丰", "--id-number", ID, "--json", *args).stdout
    doc: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return doc


def verdict(env: dict[str, str], text: str) -> tuple[int, dict[str, Any]]:
    code, out, err = kiosk(env, "verify", "--json", "--", text)
    assert out.strip(), err
    return code, json.loads(out.strip().splitlines()[-1])


def test_a_cn_signed_code_verifies_offline_after_the_bundle_pull(central: Central, kiosk_env: dict[str, str]) -> None:
    signed = issue(central, "--kind", "cn-signed", "--colour", "yellow")
    code, doc = verdict(kiosk_env, signed["text"])
    assert code == 1 and doc["status"] == "untrusted"  # the issuer key is not here yet
    rc, _, err = kiosk(kiosk_env, "sync", "--once", "--wait", "10")
    assert rc == 0, err
    code, doc = verdict(kiosk_env, signed["text"])
    assert code == 0, doc
    assert (doc["format"], doc["color"], doc["color_source"], doc["holder_name_masked"]) == (
        "cn-signed",
        "yellow",
        "signed",
        "张**",
    )
    assert ID not in json.dumps(doc, ensure_ascii=False)


def test_a_cn_token_is_checked_by_the_central_server(central: Central, kiosk_env: dict[str, str]) -> None:
    token = issue(central, "--kind", "cn-token", "--colour", "green")
    code, doc = verdict(kiosk_env, token["text"])
    assert code == 0 and (doc["format"], doc["color"], doc["color_source"]) == ("cn-token", "green", "online"), doc
    # `--` because a token may begin with '-' (token_urlsafe), which argparse takes for an option.
    subprocess.run(
        [
            str(BIN),
            "code",
            "set-colour",
            "--data-dir",
            str(central.data_dir),
            "--db",
            central.db_url,
            "--",
            token["token"],
            "red",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    code, doc = verdict(kiosk_env, token["text"])
    assert code == 0 and doc["color"] == "red"  # valid answer; the policy denies a red code


def test_an_unprovisioned_kiosk_reports_the_token_unverified(central: Central, tmp_path: Path) -> None:
    token = issue(central, "--kind", "cn-token")
    code, out, err = kiosk({"KIOSK_STORE_DATA_DIR": str(tmp_path / "fresh")}, "verify", "--json", token["text"])
    assert code == 1 and json.loads(out.strip().splitlines()[-1])["status"] == "unverified"
    assert "not provisioned" in err
