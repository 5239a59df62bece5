"""Gate passes: a video camera, the temperature keypad, a hung platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui import codes
from tests.ui.scenarios.common import key_on_keypad, scanner_types, text_of


# --- temperature keypad and the re-measure flow ------------------------------------------
def setup_temperature(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    # no pause before the contact re-measure here; the wait itself is the fever_wait scenario
    return cfg.replace(ui__result_seconds=2.0, thermometer__remeasure_pause_s=0), {
        "code1": codes.issue(key, kid, code_id="t-1"), "code2": codes.issue(key, kid, code_id="t-2", name="王芳"),
    }


def temperature(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app = d.app
    d.wait_screen("idle")
    app.code_from_device(ctx["code1"], "wedge")  # as the scanner thread does
    d.wait_screen("temperature")
    who = text_of(d, "temperature", "who")
    assert "绿码" in who and "张*" in who, who
    d.screenshot("temperature-1-start")
    steps = []
    for value, expect in (("34.2", "remeasure-low"), ("37.6", "remeasure-fever")):
        key_on_keypad(d, "temperature", value)
        d.tap("temperature", "record")
        d.wait_until(lambda e=expect: d.widget("temperature", "hint") and d.screen("temperature").step == e, 10, expect)
        steps.append((value, text_of(d, "temperature", "hint"), d.call(lambda: d.screen("temperature").method)))
        d.screenshot(f"temperature-2-{expect}")
    key_on_keypad(d, "temperature", "37.8")
    d.tap("temperature", "record")
    d.wait_screen("result")
    deny = {k: text_of(d, "result", k) for k in ("headline", "reasons", "temperature")}
    d.screenshot("temperature-3-fever-result")
    d.tap("result", "ok")
    d.wait_screen("idle")
    d.call(lambda: scanner_types(ctx["code2"]))  # a USB scanner types the code and Enter, fast
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "36.5")
    d.tap("temperature", "record")
    d.wait_screen("result")
    passed = {k: text_of(d, "result", k) for k in ("headline", "who", "temperature")}
    d.screenshot("temperature-4-pass-result")
    d.wait_screen("idle", timeout=6)  # back to scanning by itself after ui.result_seconds
    return {"steps": steps, "deny": deny, "pass": passed, "sounds": list(app.sounds.played)}



# --- a full gate pass: a QR code in a video, through the real camera path ------------------
def setup_gate_pass(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    from kiosk.ui.demo_video import write_video

    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    code = codes.issue(key, kid, code_id="gate-1", name="赵六")
    video = write_video(cfg.data_dir / "gate-pass.avi", [code], lead_s=1.5, show_s=3.0, gap_s=1.0)
    cfg = cfg.replace(camera__kind="opencv", camera__source=str(video), camera__file_realtime=True, camera__file_loop=False)
    return cfg, {"code": code}


def gate_pass(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.wait_until(lambda: d.widget("idle", "preview").frames_shown >= 3, 10, "camera frames on the preview")
    camera_state = d.call(lambda: d.app.services.frames.state())
    d.screenshot("gate-1-idle-camera")
    d.wait_screen("temperature", timeout=20)  # the decoder found the code in the video
    who = text_of(d, "temperature", "who")
    d.screenshot("gate-2-code-read")
    key_on_keypad(d, "temperature", "36.5")
    d.tap("temperature", "record")
    d.wait_screen("result")
    shown = {k: text_of(d, "result", k) for k in ("headline", "who", "temperature", "reasons")}
    kind = d.call(lambda: d.screen("result").kind)
    d.screenshot("gate-3-result")
    return {"camera": camera_state, "who": who, "shown": shown, "kind": kind,
            "frames": d.call(lambda: d.widget("idle", "preview").frames_shown)}



# --- a dead platform: the screens stay responsive while the code check times out -----------
def setup_slow_platform(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    import base64
    import os
    import socket
    import threading
    from datetime import UTC, datetime

    from sync.code_check import HttpCodeChecker
    from sync.credentials import Credentials

    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(8)  # accepts connections and never answers: a hung central server
    held: list[Any] = []
    threading.Thread(target=lambda: [held.append(hole.accept()) for _ in range(8)], daemon=True).start()
    url = f"http://127.0.0.1:{hole.getsockname()[1]}"
    creds = Credentials(url, "dev-test", base64.b64encode(os.urandom(32)).decode(), "k", "", datetime.now(UTC).isoformat())
    return cfg, {"checker": HttpCodeChecker(creds, timeout_s=2.0), "token": "https://hc.example.cn/hc/AbCdEfGhIjKlMnOpQrSt", "hole": hole}


def slow_platform(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    import time

    d.wait_screen("idle")
    started = time.monotonic()
    d.call(lambda: scanner_types(ctx["token"]))
    d.tap("idle", "lang")  # a finger on the screen while the platform does not answer
    prompt_during_wait = text_of(d, "idle", "prompt")
    gaps = []
    while d.current() == "idle" and time.monotonic() - started < 10:
        t = time.monotonic()
        d.call(lambda: None)  # one round trip through the Kivy thread
        gaps.append(time.monotonic() - t)
    d.wait_screen("attest", timeout=10)
    waited = time.monotonic() - started
    d.screenshot("slow-platform-attest")
    return {"max_gap_s": max(gaps) if gaps else 0.0, "round_trips": len(gaps), "waited_s": waited,
            "prompt_during_wait": prompt_during_wait, "attest_title": d.call(lambda: d.screen("attest").children[0].children[-1].text)}
