"""UI scenarios: each drives the real App by touch and returns facts for its test.

`setup_<name>(cfg, store, shots)` runs before the App starts (as an admin or the central
server would have prepared the kiosk) and returns (cfg, ctx). The test then opens the
same database on its own and checks what was recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.ui.wiring import Services, build_services
from tests.ui import codes


def services_for(cfg: Any, store: Any, ctx: dict[str, Any]) -> Services:
    return build_services(cfg, store, with_sync=False, with_devices=True, checker=ctx.get("checker"))


# --- helpers -------------------------------------------------------------------------
def type_keys(d: Any, screen: str, text: str) -> None:
    """Letters and digits on the on-screen keyboard (letters feed the pinyin composer)."""
    for ch in text:
        d.tap_text(screen, ch)


def pick(d: Any, screen: str, candidate: str) -> None:
    d.tap_text(screen, candidate)


def focus(d: Any, screen: str, field_id: str) -> None:
    d.scroll_into_view(screen, field_id)
    d.tap(screen, field_id, "input")
    d.wait_until(lambda: d.widget(screen, "keyboard").target is d.widget(screen, field_id, "input"), 5, f"focus on {field_id}")


def text_of(d: Any, screen: str, *path: str) -> str:
    return str(d.call(lambda: d.widget(screen, *path).text))


def scanner_types(text: str) -> None:
    """Key events as a keyboard-wedge scanner sends them (all within a few ms)."""
    from kivy.core.window import Window

    for ch in text:
        Window.dispatch("on_key_down", ord(ch), 0, ch, [])
        Window.dispatch("on_key_up", ord(ch), 0)
    Window.dispatch("on_key_down", 13, 40, None, [])
    Window.dispatch("on_key_up", 13, 40)


def key_on_keypad(d: Any, screen: str, value: str) -> None:
    d.type_on_keypad(screen, "keypad", value)


# --- smoke -----------------------------------------------------------------------------
def smoke(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.screenshot("smoke-idle")
    return {"screen": d.current()}


# --- temperature keypad and the re-measure flow ------------------------------------------
def setup_temperature(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    return cfg.replace(ui__result_seconds=2.0), {
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


# --- visitor registration with pinyin input ---------------------------------------------
def visitor(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.tap("idle", "visitor")
    d.wait_screen("visitor")
    d.wait_until(lambda: d.app.pinyin_index is not None, 20, "the pinyin index")
    focus(d, "visitor", "f_name")
    type_keys(d, "visitor", "li")
    shown = d.call(lambda: [c.text for c in d.widget("visitor", "keyboard").candidates][:9])
    d.screenshot("visitor-1-pinyin-candidates")
    pick(d, "visitor", "李")
    type_keys(d, "visitor", "ming")
    pick(d, "visitor", "明")
    focus(d, "visitor", "f_phone")
    type_keys(d, "visitor", "123")
    focus(d, "visitor", "f_id")
    type_keys(d, "visitor", "11010519491231002")
    d.tap("visitor", "keyboard", "lang_key")  # Latin letters for the X check character
    type_keys(d, "visitor", "x")
    d.tap("visitor", "keyboard", "lang_key")
    focus(d, "visitor", "f_origin")
    type_keys(d, "visitor", "110105")
    focus(d, "visitor", "f_reason")
    type_keys(d, "visitor", "tanqin")
    pick(d, "visitor", "探亲")
    for fid, value in (("f_building", "3"), ("f_unit", "2"), ("f_room", "301")):
        focus(d, "visitor", fid)
        type_keys(d, "visitor", value)
    d.scroll_into_view("visitor", "kg_inbound")
    d.tap("visitor", "kg_inbound")
    d.tap("visitor", "save")
    d.wait_until(lambda: d.widget("visitor", "f_phone").error, 10, "the phone error")
    errors = d.call(lambda: {n: ff.error for n, ff in d.screen("visitor").fields().items()})
    d.screenshot("visitor-2-field-error")
    focus(d, "visitor", "f_phone")
    for _ in range(3):
        d.tap("visitor", "keyboard", "backspace")
    type_keys(d, "visitor", "13812345678")
    values = d.call(lambda: d.screen("visitor").values())
    d.tap("visitor", "save")
    d.wait_screen("message")
    d.screenshot("visitor-3-registered")
    return {"candidates_li": shown, "errors": errors, "values": values, "title": text_of(d, "message", "title")}


# --- admin PIN and lock-out ------------------------------------------------------------
PIN = "2580"


def setup_admin_pin(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    from kiosk.service.admin_pin import AdminPin

    AdminPin(store, cfg.data_dir).set_pin(PIN)
    usb = cfg.data_dir / "usb"
    usb.mkdir(parents=True)
    return cfg.replace(ui__status_refresh_s=0.5, admin__export_dir=str(usb)), {"usb": usb}


def admin_pin(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    # first an elderly resident without a smartphone passes (offline: the guard attests green)
    d.tap("idle", "no_phone")
    d.wait_screen("nophone")
    key_on_keypad(d, "nophone", "11010519491231002X")
    d.screenshot("nophone-1-id")
    d.tap("nophone", "check")
    d.wait_screen("attest")
    d.screenshot("nophone-2-attest")
    d.tap("attest", "green")
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "36.6")
    d.tap("temperature", "record")
    d.wait_screen("result")
    nophone = {k: text_of(d, "result", k) for k in ("headline", "who", "reasons")}
    d.screenshot("nophone-3-result")
    d.tap("result", "ok")
    d.wait_screen("idle")
    d.tap("idle", "admin")
    d.wait_screen("admin_pin")
    key_on_keypad(d, "admin_pin", PIN)
    d.tap("admin_pin", "enter")
    d.wait_screen("admin")
    d.wait_until(lambda: "待上传" in d.screen("admin").sync_text, 10, "the sync status")
    d.screenshot("admin-1-sync")
    d.tap("admin", "tab_mode")
    d.tap("admin", "lockdown_on")
    d.wait_until(lambda: d.screen("admin").mode == "lockdown", 10, "lockdown")
    d.screenshot("admin-2-lockdown")
    d.tap("admin", "tab_report")
    d.wait_until(lambda: "进入人次: 1" in d.screen("admin").report_text, 10, "the daily report")
    d.screenshot("admin-3-report")
    d.tap("admin", "tab_export")
    d.tap("admin", "export")
    d.wait_until(lambda: "已保存到" in d.screen("admin").export_message, 10, "the export")
    export_message = text_of(d, "admin", "export_message")
    d.screenshot("admin-4-export")
    d.tap("admin", "logout")
    d.wait_screen("idle")
    d.wait_until(lambda: d.screen("idle").mode == "lockdown", 10, "the idle screen to show lockdown")
    idle_mode = text_of(d, "idle", "mode")
    d.screenshot("admin-5-idle-lockdown")
    d.tap("idle", "admin")
    d.wait_screen("admin_pin")
    messages = []
    for _ in range(5):
        key_on_keypad(d, "admin_pin", "1111")
        before = text_of(d, "admin_pin", "message")
        d.tap("admin_pin", "enter")
        d.wait_until(lambda b=before: d.widget("admin_pin", "message").text not in ("", b), 10, "the PIN answer")
        messages.append(text_of(d, "admin_pin", "message"))
    d.screenshot("admin-6-locked")
    key_on_keypad(d, "admin_pin", PIN)  # the right PIN does not open a locked panel
    d.tap("admin_pin", "enter")
    d.wait_idle()
    after_right_pin = (d.current(), text_of(d, "admin_pin", "message"))
    return {"messages": messages, "after_right_pin": after_right_pin, "idle_mode": idle_mode, "nophone": nophone,
            "export_message": export_message, "exported": [str(p) for p in ctx["usb"].iterdir()]}



# --- language switch, and every translated string rendered ------------------------------
def language(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.ui.i18n import read_catalogue

    d.wait_screen("idle")
    seen = {"zh": text_of(d, "idle", "prompt")}
    d.screenshot("language-1-zh")
    d.tap("idle", "lang")
    d.wait_until(lambda: d.widget("idle", "prompt").text == "Please show your health code", 5, "English")
    seen["en"] = text_of(d, "idle", "prompt")
    seen["en_buttons"] = [text_of(d, "idle", b) for b in ("no_phone", "visitor", "leave", "lang")]
    d.screenshot("language-2-en")
    d.tap("idle", "no_phone")
    d.wait_screen("nophone")
    seen["en_nophone"] = text_of(d, "nophone", "check")
    d.screenshot("language-3-en-nophone")
    d.tap("nophone", "cancel")
    d.wait_screen("idle")
    d.tap("idle", "lang")
    d.wait_until(lambda: d.widget("idle", "prompt").text == "请出示健康码", 5, "Chinese again")
    seen["zh_again"] = text_of(d, "idle", "prompt")

    def render_all() -> list[str]:
        """Every catalogue string through Kivy's text renderer with the CJK font."""
        from kivy.core.text import Label as CoreLabel

        empty = []
        for msg in read_catalogue("zh_CN"):
            for text in (msg.id, msg.string):
                if not text:
                    continue
                label = CoreLabel(text=str(text), font_name="CJK", font_size=24)
                label.refresh()
                if label.texture is None or label.texture.width < 8:
                    empty.append(str(text))
        return empty

    seen["unrendered"] = d.call(render_all, timeout=60)
    return seen


# --- every screen: touch target sizes, elderly mode, a picture of each -------------------
def gallery(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kivy.metrics import Metrics
    from kivy.uix.button import Button

    from kiosk.domain.models import Colour, Outcome, Reason
    from kiosk.ui.ports import CodeView, ResultView

    d.wait_screen("idle")
    min_px = Metrics.dpi / 25.4 * 15
    code = CodeView(handle=("qr", "x"), format="cn-token", status="unverified", colour=Colour.NONE, colour_source="none",
                    needs_attestation=True)
    params: dict[str, dict[str, Any]] = {
        "result": {"result": ResultView("r-1", Outcome.REVIEW, (Reason.CODE_UNVERIFIED, Reason.FEVER_REMEASURE),
                                        "张*", "110***********002X", 37.5, Colour.NONE)},
        "temperature": {"code": code}, "attest": {"code": code}, "override": {"result": None},
        "message": {"title": "未记录", "text": "示例"},
    }
    small: list[str] = []
    names = d.call(lambda: d.app.nav.names)
    for name in names:
        d.call(lambda n=name: d.app.nav.go(n, **params.get(n, {})))
        d.wait_screen(name)

        def check(n: str = name) -> list[str]:
            out = []
            for w in d.screen(n).walk():
                if isinstance(w, Button) and w.opacity > 0 and w.get_root_window() is not None and w.width > 0:
                    if min(w.width, w.height) < min_px - 0.5:
                        out.append(f"{n}: {w.__class__.__name__} {w.text!r} {w.width:.0f}x{w.height:.0f}px")
            return out

        small += d.call(check)
        d.screenshot(f"screen-{name}")
    d.call(lambda: d.app.nav.home())
    d.wait_screen("idle")
    normal = d.call(lambda: d.widget("idle", "prompt").font_size)
    d.tap("idle", "elderly")
    d.wait_until(lambda: d.widget("idle", "prompt").font_size > normal, 5, "larger text")
    larger = d.call(lambda: d.widget("idle", "prompt").font_size)
    d.screenshot("screen-idle-elderly")
    d.call(lambda: d.app.nav.go("visitor"))
    d.wait_screen("visitor")
    d.screenshot("screen-visitor-elderly")
    return {"min_px": min_px, "too_small": small, "normal": normal, "larger": larger, "screens": names}


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


# --- guard on duty, a red code, an override with a reason ------------------------------------
def setup_guard_override(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    return cfg.replace(ui__status_refresh_s=0.5, ui__result_seconds=30.0), {"red": codes.issue(key, kid, colour="red", name="钱七")}


def guard_override(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.tap("idle", "guard")
    d.wait_screen("guard")
    d.wait_until(lambda: d.app.pinyin_index is not None, 20, "the pinyin index")
    focus(d, "guard", "f_guard_name")
    type_keys(d, "guard", "zhou")
    pick(d, "guard", "周")
    type_keys(d, "guard", "jun")
    pick(d, "guard", "军")
    focus(d, "guard", "f_guard_phone")
    type_keys(d, "guard", "01088886666")
    d.tap("guard", "sign_in")
    d.wait_until(lambda: d.screen("guard").on_duty == ["周军"], 10, "the guard on duty")
    d.screenshot("guard-1-signed-in")
    d.tap("guard", "back")
    d.wait_screen("idle")
    d.wait_until(lambda: "周军" in d.widget("idle", "duty").text, 10, "the duty guard on the idle screen")
    duty = text_of(d, "idle", "duty")
    d.screenshot("guard-2-idle-duty")
    d.call(lambda: scanner_types(ctx["red"]))
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "36.4")
    d.tap("temperature", "record")
    d.wait_screen("result")
    denied = text_of(d, "result", "headline")
    d.tap("result", "override")
    d.wait_screen("override")
    d.tap("override", "confirm")  # no reason typed: refused on the screen
    d.wait_until(lambda: d.widget("override", "f_reason").error, 5, "the missing-reason error")
    reason_error = d.call(lambda: d.widget("override", "f_reason").error)
    d.screenshot("override-1-reason-required")
    d.tap_text("override", "紧急就医")
    d.tap("override", "confirm")
    d.wait_screen("result")
    passed = {k: text_of(d, "result", k) for k in ("headline", "reasons")}
    d.screenshot("override-2-let-through")
    return {"duty": duty, "denied": denied, "reason_error": reason_error, "passed": passed}


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
