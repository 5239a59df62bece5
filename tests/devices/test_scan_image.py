"""`kiosk scan-image`: the exact contract other tools rely on, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.devices.test_decoder import qr_picture

PROBE = """
import json, sys
from kiosk.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"exit": code, "kivy": "kivy" in sys.modules}))
"""


def run(args: list[str], tmp_path: Path) -> tuple[int, list[dict], str, bool]:
    env = dict(os.environ, KIOSK_STORE_DATA_DIR=str(tmp_path / "data"))
    env.pop("KIOSK_CONFIG", None)
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    lines = proc.stdout.strip().splitlines()
    tail = json.loads(lines[-1])
    return tail["exit"], [json.loads(line) for line in lines[:-1]], proc.stderr, tail["kivy"]


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, img in {
        "utf8.png": qr_picture("Müller 张三".encode()),
        "photo.jpg": cv2.cvtColor(qr_picture("https://jkm.example.gov.cn/v?t=jpeg"), cv2.COLOR_BGR2GRAY),
        "blank.png": np.zeros((200, 300, 3), np.uint8),
    }.items():
        path = tmp_path / name
        assert cv2.imwrite(str(path), img)
        out[name] = path
    # A QR drawn black on a transparent background (alpha only).
    qr = qr_picture("ALPHA-CODE")
    rgba = np.zeros((*qr.shape[:2], 4), np.uint8)
    rgba[:, :, 3] = 255 - qr[:, :, 0]
    cv2.imwrite(str(tmp_path / "alpha.png"), rgba)
    out["alpha.png"] = tmp_path / "alpha.png"
    return out


def test_json_lines_in_order_and_exit_0_when_every_file_was_read(images: dict[str, Path], shared_dir: Path,
                                                                 tmp_path: Path) -> None:
    dcc = shared_dir / "testdata" / "dcc" / "DK" / "2DCode"
    expected_dk = json.loads((dcc / "raw" / "1.json").read_text())["PREFIX"]
    files = [str(images["utf8.png"]), str(dcc / "png" / "1.png"), str(images["blank.png"]),
             str(images["photo.jpg"]), str(images["alpha.png"])]
    code, objs, _, kivy = run(["scan-image", "--json", *files], tmp_path)
    assert code == 0 and kivy is False
    assert [o["file"] for o in objs] == files
    assert [o["codes"] for o in objs] == [["Müller 张三"], [expected_dk], [], ["https://jkm.example.gov.cn/v?t=jpeg"],
                                          ["ALPHA-CODE"]]
    for o in objs:
        assert set(o) == {"file", "codes", "ms"}
        assert isinstance(o["ms"], int | float) and o["ms"] >= 0


def test_exit_2_when_a_file_cannot_be_read_and_the_others_still_reported(images: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    files = [str(tmp_path / "missing.png"), str(images["utf8.png"]), str(text), str(tmp_path)]
    code, objs, err, _ = run(["scan-image", "--json", *files], tmp_path)
    assert code == 2
    assert [o["file"] for o in objs] == files
    assert objs[1]["codes"] == ["Müller 张三"] and "error" not in objs[1]
    assert [o.get("error") for o in (objs[0], objs[2], objs[3])] == ["no such file", objs[2]["error"], "is a folder, not a file"]
    assert "not an image" in objs[2]["error"]
    assert "missing.png: no such file" in err


def test_plain_output_for_people(images: dict[str, Path], tmp_path: Path) -> None:
    env = dict(os.environ, KIOSK_STORE_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", "scan-image", str(images["utf8.png"]),
                           str(images["blank.png"])], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0
    assert f"{images['utf8.png']}: Müller 张三" in proc.stdout
    assert f"{images['blank.png']}: no code found" in proc.stdout


def test_a_picture_bomb_is_refused_not_allocated(tmp_path: Path) -> None:
    """A 15000x15000 PNG is a few hundred kB on disk and 225 MB in memory: refused."""
    bomb = tmp_path / "bomb.png"
    ok, buf = cv2.imencode(".png", np.zeros((15000, 15000), np.uint8))
    assert ok
    bomb.write_bytes(buf.tobytes())
    code, objs, err, _ = run(["scan-image", "--json", str(bomb)], tmp_path)
    assert code == 2
    assert objs[0]["codes"] == [] and "larger than 100000000 pixels" in objs[0]["error"]
