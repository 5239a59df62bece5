"""DESIGN.md's import boundaries are enforced by ruff: prove the rules bite."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    ("filename", "module"),
    [
        ("kiosk/domain/probe.py", "kivy"),
        ("kiosk/domain/probe.py", "cv2"),
        ("kiosk/domain/probe.py", "sqlite3"),
        ("kiosk/domain/probe.py", "sqlite_utils"),
        ("kiosk/domain/probe.py", "requests"),
        ("kiosk/domain/probe.py", "kiosk.store"),
        ("sync/probe.py", "kiosk.ui"),
        ("sync/probe.py", "kivy"),
        ("kiosk/store/probe.py", "kivy"),
    ],
)
def test_banned_imports_are_rejected(filename: str, module: str) -> None:
    proc = ruff_on(filename, f"import {module}\n\nprint({module})\n")
    assert proc.returncode == 1
    assert "TID251" in proc.stdout and "is banned" in proc.stdout


def test_allowed_imports_pass() -> None:
    proc = ruff_on("kiosk/domain/probe.py", "import json\n\nprint(json)\n")
    assert proc.returncode == 0, proc.stdout
