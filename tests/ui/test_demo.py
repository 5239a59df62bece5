"""The demo's preparation (`kiosk demo`, what `make run` starts), without the window:
a real local central server, a real enrolment, codes issued by that server in a real video."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import cv2
import requests

from kiosk.commands.demo import DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_USER, SAMPLES, prepare
from kiosk.config import Config
from kiosk.devices.decoder import DecodePipeline
from kiosk.store.db import open_store
from sync import credentials


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_starts_a_server_enrols_the_kiosk_and_makes_a_video_of_its_codes(cfg: Config) -> None:
    proc, kiosk_cfg = prepare(cfg, _port())
    try:
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
