"""Commands that need no screen never import kivy or cv2 (DESIGN.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from kiosk.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "kivy": "kivy" in sys.modules, "cv2": "cv2" in sys.modules}))
"""

# (arguments, may it import cv2?) — scan-image decodes images with OpenCV but never opens a window;
# doctor opens the camera with OpenCV (inside its camera probe only: --headless skips it, and cv2 with it).
HEADLESS = [
    (["--help"], False),
    (["db", "check"], False),
    (["db", "migrate"], False),
    (["config", "show"], False),
    (["config", "docs"], False),
    (["verify", "--json", "HC1:NCFOXN%TS3DH"], False),
    (["sync", "status"], False),
    (["sync", "--once"], False),
    (["sync-log", "--json"], False),
    (["report", "daily", "--json"], False),
    (["export", "--from", "2026-11-01", "--to", "2026-11-28", "--format", "xlsx"], False),
    (["roster", "search", "王"], False),
    (["scan-image", "--json", "missing.png"], True),
    (["doctor", "--json"], True),
    (["doctor", "--json", "--headless"], False),
    (["service", "install", "--user", "root", "--unit-dir", "units"], False),
    (["service", "uninstall", "--unit-dir", "units"], False),
]


@pytest.mark.parametrize(("args", "cv2_ok"), HEADLESS, ids=[" ".join(a) for a, _ in HEADLESS])
def test_headless_commands_do_not_import_the_gui(tmp_path: Path, args: list[str], cv2_ok: bool) -> None:
    env = dict(os.environ, KIOSK_STORE_DATA_DIR=str(tmp_path))
    env.pop("KIOSK_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["kivy"] is False, f"`kiosk {' '.join(args)}` imported kivy"
    if not cv2_ok:
        assert result["cv2"] is False, f"`kiosk {' '.join(args)}` imported cv2"


def test_help_lists_every_command() -> None:
    from kiosk.cli import COMMAND_MODULES, build_parser

    text = build_parser().format_help()
    for module in COMMAND_MODULES:
        name = module.rsplit(".", 1)[1].removesuffix("_cmd").replace("_", "-")
        assert name in text, f"{name} missing from kiosk --help"
