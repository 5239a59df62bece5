"""The admin panel and its PIN, the language switch, every screen's look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.scenarios.common import key_on_keypad, text_of


# --- smoke -----------------------------------------------------------------------------
def smoke(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.screenshot("smoke-idle")
    return {"screen": d.current()}



# --- admin PIN and lock-out ------------------------------------------------------------
PIN = "2580"


def setup_admin_pin(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    from kiosk.service.admin_pin import AdminPin
    from kiosk.service.duty import DutyRoster

    AdminPin.for_config(store, cfg).set_pin(PIN)
    roster = DutyRoster(store)  # a guard on duty: only then does an attested colour count
    roster.add_guard("周军", "01088886666", "1357")
    roster.sign_in("周军", "1357")
    usb = cfg.data_dir / "usb"
    usb.mkdir(parents=True)
    return cfg.replace(ui__status_refresh_s=0.5, admin__export_dir=str(usb)), {"usb": usb}


def admin_pin(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    # first a visitor without a smartphone (offline, not on the roster): registered, then review
    d.tap("idle", "no_phone")
    d.wait_screen("nophone")
    key_on_keypad(d, "nophone", "11010519491231002X")
    d.screenshot("nophone-1-id")
    d.tap("nophone", "check")
    d.wait_screen("temperature")  # no question about a phone they do not have
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
    d.wait_until(lambda: "待上传" in d.screen("admin").status.get("pending", ""), 10, "the sync status")
    d.screenshot("admin-1-sync")
    d.tap("admin", "tab_mode")
    d.tap("admin", "lockdown_on")
    d.wait_until(lambda: d.screen("admin").mode == "lockdown", 10, "lockdown")
    d.screenshot("admin-2-lockdown")
    d.tap("admin", "tab_report")
    d.wait_until(lambda: ("进入人次", "1") in d.screen("admin").report.get("figures", []), 10, "the daily report")
    d.screenshot("admin-3-report")
    d.tap("admin", "tab_export")
    d.tap("admin", "export")
    d.wait_until(lambda: "已保存" in d.screen("admin").export_message, 10, "the export")
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
