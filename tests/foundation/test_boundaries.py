"""DESIGN.md's import boundaries (docs/architecture.md, "Parts and imports"): prove the rules bite.

Two checks, because a ban list cannot name every module: ruff's per-folder banned-api rules
(each folder's ruff.toml) reject the named imports in the editor and in CI, and an allow-list
over the imports the code actually has (parsed, not run) keeps the protocol at standard
library + crypto, the shared package pure, and the server on the protocol and sync.common.
A last check imports every server, protocol and shared module and finds no kiosk.* loaded.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))


def ruff_on(filename: str, source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUFF, "check", "--no-cache", "--stdin-filename", filename, "-"],
        input=source, capture_output=True, text=True, cwd=REPO, timeout=60,
    )


# The server's rooms (sync/server/__init__.py): each is a folder under sync/server.
SERVER_ROOMS = ("api", "console", "devices", "records", "lists", "alerts", "contacts", "reports")

# (where the probe file pretends to live, the module it imports)
BANNED = [
    # domain: pure rules, never the GUI, the database, the network, the layers above, the settings
    ("kiosk/domain/probe.py", "kivy"),
    ("kiosk/domain/probe.py", "cv2"),
    ("kiosk/domain/probe.py", "sqlite3"),
    ("kiosk/domain/probe.py", "sqlite_utils"),
    ("kiosk/domain/probe.py", "requests"),
    ("kiosk/domain/probe.py", "kiosk.store"),
    ("kiosk/domain/codes/probe.py", "kiosk.settings"),
    ("kiosk/domain/probe.py", "kiosk.settings"),
    ("kiosk/domain/probe.py", "kiosk.config"),
    ("kiosk/domain/probe.py", "kiosk.service"),
    ("kiosk/domain/probe.py", "sync.server"),
    # store: never the service, the UI or the devices
    ("kiosk/store/probe.py", "kivy"),
    ("kiosk/store/probe.py", "kiosk.service"),
    ("kiosk/store/probe.py", "kiosk.ui"),
    ("kiosk/store/probe.py", "kiosk.devices"),
    ("kiosk/store/probe.py", "sync.server"),
    # sync, kiosk side: never the screens nor the server
    ("sync/probe.py", "kiosk.ui"),
    ("sync/probe.py", "kivy"),
    ("sync/probe.py", "sync.server"),
    # protocol: standard library and crypto only
    ("sync/protocol/probe.py", "kiosk"),
    ("sync/protocol/probe.py", "kiosk.store"),
    ("sync/protocol/probe.py", "kiosk.domain"),
    ("sync/protocol/probe.py", "sync.server"),
    ("sync/protocol/probe.py", "sync.common"),
    ("sync/protocol/probe.py", "requests"),
    ("sync/protocol/probe.py", "sqlalchemy"),
    # shared helpers: pure, importable by both ends
    ("sync/common/probe.py", "kiosk"),
    ("sync/common/probe.py", "kiosk.domain"),
    ("sync/common/probe.py", "sync.server"),
    ("sync/common/probe.py", "sync.protocol"),
    ("sync/common/probe.py", "sqlite3"),
    ("sync/common/probe.py", "requests"),
    # server: never kiosk.*, in the frame and in every room (sync/server/ruff.toml covers the folders below it)
    ("sync/server/probe.py", "kiosk"),
    ("sync/server/probe.py", "kiosk.domain"),
    ("sync/server/probe.py", "kiosk.store"),
    ("sync/server/probe.py", "kivy"),
    *[(f"sync/server/{room}/probe.py", "kiosk.domain") for room in SERVER_ROOMS],
]


@pytest.mark.parametrize(("filename", "module"), BANNED)
def test_banned_imports_are_rejected(filename: str, module: str) -> None:
    proc = ruff_on(filename, f"import {module}\n\nprint({module})\n")
    assert proc.returncode == 1
    assert "TID251" in proc.stdout and "is banned" in proc.stdout


@pytest.mark.parametrize(
    ("filename", "statement"),
    [
        ("sync/server/probe.py", "from kiosk.domain.masking import mask_id"),
        ("sync/server/console/probe.py", "from kiosk.domain.report import KeyCategory"),
        ("sync/protocol/probe.py", "from kiosk.store.db import Store"),
        ("sync/common/probe.py", "from kiosk.domain.models import Colour"),
        ("kiosk/domain/probe.py", "from kiosk.settings import SETTINGS"),
        ("kiosk/store/probe.py", "from kiosk.devices.camera import Camera"),
    ],
)
def test_banned_from_imports_are_rejected(filename: str, statement: str) -> None:
    name = statement.rsplit(" ", 1)[-1]
    proc = ruff_on(filename, f"{statement}\n\nprint({name})\n")
    assert proc.returncode == 1
    assert "TID251" in proc.stdout and "is banned" in proc.stdout


@pytest.mark.parametrize(
    ("filename", "module"),
    [
        ("kiosk/domain/probe.py", "json"),
        ("kiosk/domain/probe.py", "sync.common.masking"),
        ("kiosk/store/probe.py", "sync.protocol.chain"),
        ("sync/protocol/probe.py", "cryptography"),
        ("sync/common/probe.py", "stdnum"),
        ("sync/server/probe.py", "sync.protocol"),
        ("sync/server/probe.py", "sync.common.identity"),
        ("sync/server/devices/probe.py", "sync.server.records.tables"),
    ],
)
def test_allowed_imports_pass(filename: str, module: str) -> None:
    proc = ruff_on(filename, f"import {module}\n\nprint({module})\n")
    assert proc.returncode == 0, proc.stdout


# --- the allow-lists: every import the code has, parsed -------------------------------------

STDLIB = frozenset(sys.stdlib_module_names)
CRYPTO = frozenset({"cryptography"})
# (folder, third-party top-level modules it may import (None: any), sync packages it may import)
ALLOWED = {
    "sync/protocol": (CRYPTO | {"pydantic"}, ("sync.protocol",)),
    "sync/common": (CRYPTO | {"stdnum", "cbor2", "base45"}, ("sync.common",)),
    "sync/server": (None, ("sync.server", "sync.protocol", "sync.common")),
}


def imported_modules(source: str) -> set[str]:
    """Every absolute module an import statement names (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def off_limits(source: str, third_party: frozenset[str] | None, sync_parts: tuple[str, ...]) -> list[str]:
    """The imports outside the folder's allow-list; kiosk.* is never allowed."""
    bad = []
    for name in sorted(imported_modules(source)):
        top = name.split(".")[0]
        if top == "kiosk":
            bad.append(name)
        elif top == "sync":
            if not any(name == part or name.startswith(part + ".") for part in sync_parts):
                bad.append(name)
        elif top not in STDLIB and third_party is not None and top not in third_party:
            bad.append(name)
    return bad


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_folder_imports_only_what_it_may(folder: str) -> None:
    third_party, sync_parts = ALLOWED[folder]
    files = sorted((REPO / folder).rglob("*.py"))
    assert files
    found = {str(f.relative_to(REPO)): off_limits(f.read_text(encoding="utf-8"), third_party, sync_parts) for f in files}
    assert {f: bad for f, bad in found.items() if bad} == {}


@pytest.mark.parametrize(
    ("folder", "source"),
    [
        ("sync/protocol", "from kiosk.store.db import Store"),
        ("sync/protocol", "import requests"),
        ("sync/protocol", "from sync.outbox import Outbox"),
        ("sync/protocol", "from sync.common.masking import mask_id"),
        ("sync/common", "import sqlalchemy"),
        ("sync/common", "from sync.protocol import canonical_json"),
        ("sync/server", "def f():\n    from kiosk.domain.masking import mask_id\n"),
        ("sync/server", "from sync.worker import SyncWorker"),
        ("sync/server", "import kiosk"),
    ],
)
def test_allow_list_catches_a_violation(folder: str, source: str) -> None:
    third_party, sync_parts = ALLOWED[folder]
    assert off_limits(source, third_party, sync_parts) == sorted(imported_modules(source))


IMPORT_ALL = """
import importlib, json, pkgutil, sys
import sync.common, sync.protocol, sync.server
for pkg in (sync.common, sync.protocol, sync.server):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
print(json.dumps(sorted(m for m in sys.modules if m == "kiosk" or m.startswith("kiosk."))))
"""


def test_every_server_room_is_a_package_with_its_docstring() -> None:
    for room in SERVER_ROOMS:
        init = REPO / "sync" / "server" / room / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), room


def test_server_protocol_and_shared_load_no_kiosk_module() -> None:
    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


STORE_IMPORT = """
import json, sys
import kiosk.store.db
print(json.dumps(sorted(m for m in ("pydantic", "sync.protocol.messages", "requests", "kivy") if m in sys.modules)))
"""


def test_the_store_loads_only_the_chain_of_the_protocol() -> None:
    # the store hashes records with sync.protocol.chain; the rest of the protocol (pydantic
    # models) stays unloaded, so `kiosk db check` and friends start as fast as before
    proc = subprocess.run([sys.executable, "-c", STORE_IMPORT], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_every_protocol_name_resolves() -> None:
    import sync.protocol
    from sync.protocol import chain

    values = {name: getattr(sync.protocol, name) for name in sync.protocol.__all__}
    assert values["record_hash"] is chain.record_hash and values["PATH_BATCHES"] == "/v1/batches"
    assert all(v is not None for v in values.values())
    with pytest.raises(AttributeError):
        sync.protocol.no_such_name  # noqa: B018
