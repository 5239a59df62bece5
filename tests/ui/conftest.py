"""Each UI test runs the real App in its own process (Kivy allows one App per process),
in a real window on the X display the test command provides (xvfb-run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_scenario(tmp_path: Path, artifacts_dir: Path) -> Callable[..., dict[str, Any]]:
    assert os.environ.get("DISPLAY"), "the UI tests need an X display: run them with `make test` (xvfb-run)"
    shots = artifacts_dir / "screenshots"

    def run(name: str, window: str | None = None, **env: str) -> dict[str, Any]:
        """`window="1080x1920"`: a window of that size on an X screen of its own of that size
        (the test command's screen is 1280x800), screenshots in a folder named after it."""
        data = tmp_path / "data"
        out = shots / window if window else shots
        result_file = out / f"{name}.result.json"
        result_file.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "tests.ui.driver", name, str(data), str(out), *[f"{k}={v}" for k, v in env.items()]]
        if window:
            cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {window}x24", *cmd, f"WINDOW={window}"]
        proc = subprocess.run(
            cmd,
            cwd=REPO, capture_output=True, text=True, timeout=180,
            env={k: v for k, v in os.environ.items() if not k.startswith("KIOSK_") or k == "KIOSK_TEST_ARTIFACTS"},
        )
        assert result_file.exists(), f"the UI run left no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        result: dict[str, Any] = json.loads(result_file.read_text())
        assert result.get("ok"), f"{result.get('error')}\n{result.get('trace', '')}\n--- stderr ---\n{proc.stderr[-3000:]}"
        assert proc.returncode == 0, proc.stderr[-3000:]
        for shot in result["screenshots"]:
            assert Path(shot).stat().st_size > 10_000, f"{shot} looks empty"
        result["data_dir"] = data
        return result

    return run


@pytest.fixture
def open_db() -> Callable[[Path], Any]:
    """The kiosk's database, opened after the App has exited, to check what it recorded."""
    from kiosk.store.db import open_store

    opened: list[Any] = []

    def op(data_dir: Path) -> Any:
        s = open_store(data_dir / "kiosk.db")
        opened.append(s)
        return s

    yield op
    for s in opened:
        s.close()
