"""The demo's preparation (`kiosk demo`, what `make run` starts), without the window:
a real local central server, a real enrolment, codes issued by that server in a real video."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import cv2

from kiosk.commands.demo import SAMPLES, prepare
from kiosk.config import Config
from kiosk.devices.decoder import DecodePipeline
from kiosk.store.db import open_store


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
        # a second start reuses the enrolment, the video and the PIN
        proc.terminate()
        proc.wait(10)
        proc, again = prepare(cfg, _port())
        assert again["ui.demo_video"] == str(video)
    finally:
        proc.terminate()
        proc.wait(10)
