"""Forms typed by touch: a visitor with pinyin, a guard signing in and overriding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui import codes
from tests.ui.scenarios.common import focus, key_on_keypad, pick, scanner_types, text_of, type_keys


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


# --- where the visitor came from: a place picked by pinyin, by browsing, or "from home" -------
def setup_region_picker(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    with store.writing() as w:  # as the central bundle would list it
        w.db.execute("insert into risk_areas (region_code, level, since) values ('110100', 'medium', '2026-11-20')")
    return cfg, {}


def chip_into_view(d: Any, text: str) -> None:
    """Scroll the place chips until the one showing `text` is in sight (as a finger would)."""

    def do() -> None:
        bar = d.widget("visitor", "region_bar")
        chip = next(c for c in bar.chips() if c.text == text)
        bar.ids.chips_scroll.scroll_to(chip, padding=4, animate=False)

    d.call(do)
    d.settle(3)


def region_picker(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.tap("idle", "visitor")
    d.wait_screen("visitor")
    d.wait_until(lambda: d.app.pinyin_index is not None, 20, "the pinyin index")
    bar = lambda: d.widget("visitor", "region_bar")  # noqa: E731
    chips_now = lambda: [c.text for c in bar().chips()]  # noqa: E731  (on the Kivy thread)
    chips = lambda: d.call(chips_now)  # noqa: E731
    shown_before = chips()
    focus(d, "visitor", "f_origin")
    d.wait_until(lambda: len(chips_now()) > 30, 10, "the place picker")
    provinces = chips()
    marks = d.call(lambda: {fid: list(d.widget("visitor", fid, "input").background_color) for fid in ("f_origin", "f_name")})
    type_keys(d, "visitor", "chaoyang")  # pinyin, still being composed on the keyboard
    d.wait_until(lambda: "北京市朝阳区" in chips_now(), 5, "a pinyin match")
    by_pinyin = chips()
    d.screenshot("visitor-4-place-by-pinyin")
    d.tap_text("visitor", "北京市朝阳区")
    d.wait_until(lambda: d.widget("visitor", "f_origin", "input").text == "110105", 5, "the code")
    picked = {"code": text_of(d, "visitor", "f_origin", "input"), "chosen": d.call(lambda: bar().chosen),
              "risk": d.call(lambda: bar().chosen_risk), "pending": d.call(lambda: d.widget("visitor", "keyboard").pending)}
    d.screenshot("visitor-5-place-chosen-risk-area")
    # browse instead: clear the field, then 广东省 › 广州市 › 天河区
    for _ in range(6):
        d.tap("visitor", "keyboard", "backspace")
    for name in ("广东省 ›", "广州市 ›", "天河区"):
        chip_into_view(d, name)
        d.tap_text("visitor", name)
    browsed = {"code": text_of(d, "visitor", "f_origin", "input"), "chosen": d.call(lambda: bar().chosen),
               "risk": d.call(lambda: bar().chosen_risk)}
    # "came from home": offered from the ID number only through its own chip
    focus(d, "visitor", "f_id")
    type_keys(d, "visitor", "440106199003070011")
    focus(d, "visitor", "f_origin")
    for _ in range(6):
        d.tap("visitor", "keyboard", "backspace")
    d.wait_until(lambda: "从户籍地来（按身份证）" in chips_now(), 5, "the came-from-home chip")
    home_offered_before = text_of(d, "visitor", "f_origin", "input")
    d.tap_text("visitor", "从户籍地来（按身份证）")
    home = text_of(d, "visitor", "f_origin", "input")
    d.screenshot("visitor-6-place-from-home")
    return {"shown_before": shown_before, "provinces": provinces, "marks": marks, "by_pinyin": by_pinyin, "picked": picked,
            "browsed": browsed, "home_before": home_offered_before, "home": home}


# --- guard on duty, a red code, an override with a reason and the guard's PIN -----------------------
GUARD_PIN = "2580"


def setup_guard_override(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    from kiosk.service.duty import DutyRoster

    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    DutyRoster(store).add_guard("周军", "01088886666", GUARD_PIN)  # as `kiosk admin add-guard` does
    # the community lets guards override a red code (the default does not: tested in tests/workflow)
    cfg = cfg.replace(ui__status_refresh_s=0.5, ui__result_seconds=30.0, policy__override_red_code=True)
    return cfg, {"red": codes.issue(key, kid, colour="red", name="钱七")}


def _type_name(d: Any, syllables: list[tuple[str, str]]) -> None:
    focus(d, "guard", "f_guard_name")
    for letters, hanzi in syllables:
        type_keys(d, "guard", letters)
        pick(d, "guard", hanzi)


def _sign_in_answer(d: Any) -> str:
    d.tap("guard", "sign_in")
    d.wait_idle()
    return str(d.call(lambda: d.screen("guard").general_error))


def guard_override(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.tap("idle", "guard")
    d.wait_screen("guard")
    d.wait_until(lambda: d.app.pinyin_index is not None, 20, "the pinyin index")
    # a made-up name with any PIN: refused, and nobody is added or signed in
    _type_name(d, [("li", "李"), ("si", "四")])
    focus(d, "guard", "f_guard_pin")
    type_keys(d, "guard", "1357")
    made_up = _sign_in_answer(d)
    made_up_on_duty = list(d.call(lambda: d.screen("guard").on_duty))
    d.screenshot("guard-0-made-up-name-refused")
    # the admin's guard with a wrong PIN, then with the right one
    d.call(lambda: setattr(d.widget("guard", "f_guard_name", "input"), "text", ""))
    d.call(lambda: setattr(d.widget("guard", "f_guard_pin", "input"), "text", ""))
    _type_name(d, [("zhou", "周"), ("jun", "军")])
    focus(d, "guard", "f_guard_pin")
    type_keys(d, "guard", "0000")
    wrong_pin = _sign_in_answer(d)
    d.call(lambda: setattr(d.widget("guard", "f_guard_pin", "input"), "text", ""))
    focus(d, "guard", "f_guard_pin")
    type_keys(d, "guard", GUARD_PIN)
    pin_shown = d.call(lambda: d.widget("guard", "f_guard_pin", "input").password)
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
    summary = text_of(d, "override", "summary")
    d.tap("override", "confirm")  # no reason typed: refused on the screen
    d.wait_until(lambda: d.widget("override", "f_reason").error, 5, "the missing-reason error")
    reason_error = d.call(lambda: d.widget("override", "f_reason").error)
    d.screenshot("override-1-reason-required")
    d.tap_text("override", "紧急就医")
    d.tap("override", "confirm")  # a reason but no PIN: the service refuses, nothing recorded
    d.wait_idle()
    no_pin = (d.current(), str(d.call(lambda: d.screen("override").general_error)))
    d.screenshot("override-2-pin-required")
    focus(d, "override", "f_pin")
    type_keys(d, "override", "0000")
    d.tap("override", "confirm")  # a wrong PIN: refused too
    d.wait_idle()
    wrong = (d.current(), str(d.call(lambda: d.screen("override").general_error)))
    focus(d, "override", "f_pin")
    type_keys(d, "override", GUARD_PIN)
    d.tap("override", "confirm")
    d.wait_screen("result")
    passed = {k: text_of(d, "result", k) for k in ("headline", "reasons")}
    d.screenshot("override-3-let-through")
    return {"made_up": made_up, "made_up_on_duty": made_up_on_duty, "wrong_pin": wrong_pin, "pin_hidden": pin_shown,
            "duty": duty, "denied": denied, "summary": summary, "reason_error": reason_error, "no_pin": no_pin,
            "wrong_override_pin": wrong, "passed": passed}
