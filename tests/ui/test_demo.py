"""The demo's preparation (`kiosk demo`, what `make run` starts), without the window:
a real local central server, a real enrolment, codes issued by that server in a real video."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import requests

from kiosk.commands.demo import DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_USER, SAMPLES, STEPS, prepare
from kiosk.config import Config
from kiosk.devices.decoder import DecodePipeline
from kiosk.store.db import open_store
from sync import credentials


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_starts_a_server_enrols_the_kiosk_and_makes_a_video_of_its_codes(cfg: Config) -> None:
    steps: list[tuple[str, float]] = []
    proc, kiosk_cfg = prepare(cfg, _port(), lambda step, done: steps.append((step, done)))
    try:
        # every step is reported as it starts and ends, in order; the video reports each code it adds
        assert [s for s, d in steps if d == 0.0] == [k for k, _w, _s in STEPS]
        assert [s for s, d in steps if d == 1.0] == [k for k, _w, _s in STEPS]
        video_done = [d for s, d in steps if s == "video"]
        assert video_done == sorted(video_done) and len(video_done) == len(SAMPLES) + 2
        assert sum(share for _k, _w, share in STEPS) == 1.0
        assert proc.poll() is None  # the server is running for the kiosk
        assert kiosk_cfg["sync.server_url"].startswith("http://127.0.0.1:")
        video = Path(kiosk_cfg["ui.demo_video"])
        cap = cv2.VideoCapture(str(video))
        decoder, found = DecodePipeline("zxing"), []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            for payload in decoder.decode(frame):
                if payload not in found:
                    found.append(payload)
        cap.release()
        assert len(found) == len(SAMPLES)  # every sample code readable through OpenCV
        assert sum(p.startswith("HCN1:") for p in found) == 3 and sum(p.startswith("http") for p in found) == 1
        store = open_store(cfg.db_path)
        try:
            bundle = store.db.execute("select body from bundles where applied_at is not null").fetchone()
            assert bundle and json.loads(bundle[0])["trust"]["cn_issuers"]  # trust pulled before the window opens
        finally:
            store.close()
        assert (cfg.secrets_dir / "admin_pin").exists() and not (cfg.data_dir / "secrets" / "admin_pin").exists()
        # the console runs in the same server: the demo account signs in and sees this kiosk's gate
        base, web = kiosk_cfg["sync.server_url"], requests.Session()
        token = re.search(r'name="csrf" value="([^"]+)"', web.get(base + "/console/login", timeout=10).text)
        assert token is not None
        overview = web.post(base + "/console/login", data={"name": DEMO_CONSOLE_USER, "password": DEMO_CONSOLE_PASSWORD,
                                                            "csrf": token.group(1), "next": "/console/"}, timeout=30)
        assert overview.status_code == 200 and overview.url.endswith("/console/")
        assert f'data-device="{credentials.load(cfg.data_dir).device_id}"' in overview.text
        # a second start reuses the enrolment, the video and the PIN
        proc.terminate()
        proc.wait(10)
        proc, again = prepare(cfg, _port())
        assert again["ui.demo_video"] == str(video)
    finally:
        proc.terminate()
        proc.wait(10)


def test_demo_window_shows_the_start_up_within_3_s_then_the_idle_screen(tmp_path: Path, artifacts_dir: Path) -> None:
    """`kiosk demo`'s App in a real window: the start-up screen with its progress bar first,
    the same steps in the terminal, then the kiosk's idle screen in the same window."""
    assert os.environ.get("DISPLAY"), "needs an X display (xvfb-run)"
    shots = artifacts_dir / "screenshots"
    result_file = shots / "demo_start.result.json"
    result_file.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "tests.ui.demo_start", str(tmp_path / "data"), str(shots), str(_port())],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=180,
                          env={k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")})
    assert result_file.exists(), proc.stderr[-4000:]
    r = json.loads(result_file.read_text())
    assert r.get("ok"), f"{r.get('error')}\n{r.get('trace')}\n{proc.stderr[-3000:]}"
    assert r["window_s"] < 3.0, r["window_s"]  # the window is up at once, not after the ~10 s of preparation
    words = [w for w, _p in r["seen"]]
    for expected in ("正在启动本地中心服务器…", "正在注册本机…", "正在生成示例健康码视频…"):
        assert expected in words, words
    progress = [p for _w, p in r["seen"]]
    assert progress == sorted(progress) and progress[-1] >= 0.9  # the bar only moves forward, to the end
    assert r["idle_s"] > r["window_s"] and all(line.startswith("✓") for line in r["lines"][:-1])  # steps ticked off
    assert "starting the local central server" in r["terminal"] and "making the sample-code video" in r["terminal"]
    assert "100%" in r["terminal"] and "━" in r["terminal"]  # the same steps as a bar in the terminal
    assert len(r["screenshots"]) == 3
