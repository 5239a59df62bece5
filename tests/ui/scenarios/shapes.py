"""One window size (the driver's WINDOW): the layout follows the aspect, every button on
every screen stays a 15 mm touch target, in normal and elderly mode, with a picture of each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.scenarios.common import key_on_keypad
from tests.ui.scenarios.gate import setup_temperature


def setup_shapes(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    cfg, ctx = setup_temperature(cfg, store, shots)
    return cfg.replace(ui__result_seconds=30.0), ctx


def _box(w: Any) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a widget in window coordinates."""
    x, y = w.to_window(w.x, w.y)
    return (x, y, x + w.width, y + w.height)


def arrangement(a: Any, b: Any) -> str:
    """"above" when a sits wholly above b, "beside" when wholly left of it, else "overlap"."""
    al, ab, ar, at = _box(a)
    bl, bb, br, bt = _box(b)
    if ab >= bt - 0.5:
        return "above"
    if ar <= bl + 0.5:
        return "beside"
    return "overlap"


def too_small(d: Any, name: str) -> list[str]:
    """Buttons on screen `name` smaller than 15 mm on a side, or reaching outside the window."""
    from kivy.core.window import Window
    from kivy.metrics import Metrics
    from kivy.uix.button import Button

    min_px = Metrics.dpi / 25.4 * 15
    out = []
    for w in d.screen(name).walk():
        if isinstance(w, Button) and w.opacity > 0 and w.get_root_window() is not None and w.width > 0:
            if min(w.width, w.height) < min_px - 0.5:
                out.append(f"{name}: {w.text!r} {w.width:.0f}x{w.height:.0f}px")
            left, bottom, right, top = _box(w)
            if not _in_scroll(w) and (left < -0.5 or bottom < -0.5 or right > Window.width + 0.5 or top > Window.height + 0.5):
                out.append(f"{name}: {w.text!r} outside the window at {left:.0f},{bottom:.0f}")
    return out


def _in_scroll(w: Any) -> bool:
    from kivy.uix.scrollview import ScrollView

    p = w.parent
    while p is not None and p is not p.parent:
        if isinstance(p, ScrollView):
            return True
        p = p.parent
    return False


def shapes(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kivy.core.window import Window

    from kiosk.ui.theme import theme

    app = d.app
    d.wait_screen("idle")
    facts: dict[str, Any] = {"window": list(d.call(lambda: Window.size)), "portrait": d.call(lambda: theme.portrait)}
    small: list[str] = []
    # idle: the preview and the prompt
    facts["idle"] = d.call(lambda: arrangement(d.widget("idle", "preview"), d.widget("idle", "prompt")))
    small += d.call(lambda: too_small(d, "idle"))
    d.screenshot("shape-idle")
    # temperature: the readings and the keypad; then the result
    app.code_from_device(ctx["code1"], "wedge")
    d.wait_screen("temperature")
    facts["temperature"] = d.call(lambda: arrangement(d.widget("temperature", "info"), d.widget("temperature", "keypad")))
    small += d.call(lambda: too_small(d, "temperature"))
    d.screenshot("shape-temperature")
    key_on_keypad(d, "temperature", "36.5")
    d.tap("temperature", "record")
    d.wait_screen("result")
    facts["result"] = d.call(lambda: arrangement(d.widget("result", "icon"), d.widget("result", "headline")))
    facts["headline"] = d.call(lambda: d.widget("result", "headline").text)
    small += d.call(lambda: too_small(d, "result"))
    d.screenshot("shape-result")
    d.tap("result", "ok")
    d.wait_screen("idle")
    # every other screen, in normal then elderly mode
    names = [n for n in d.call(lambda: d.app.nav.names) if n not in ("result", "temperature", "attest", "override", "message")]
    for elderly in (False, True):
        if elderly:
            d.tap("idle", "elderly")
            d.wait_until(lambda: theme.elderly, 5, "elderly mode")
            small += d.call(lambda: too_small(d, "idle"))
            d.screenshot("shape-idle-elderly")
        for name in names:
            if name == "idle":
                continue
            d.call(lambda n=name: d.app.nav.go(n))
            d.wait_screen(name)
            small += d.call(lambda n=name: too_small(d, n))
            if name == "admin":  # the header's buttons keep their words on one line (退出管理 wrapped at 800 px, elderly)
                facts[f"admin_header_lines{'_elderly' if elderly else ''}"] = d.call(lambda: [
                    round(b.texture_size[1] / b.font_size, 1) for b in (d.widget("admin", "refresh"), d.widget("admin", "logout"))])
            if name in ("nophone", "admin_pin") and not elderly:  # the form, then its keypad
                facts[name] = d.call(lambda n=name: arrangement(d.widget(n, "info"), d.widget(n, "keypad")))
            d.screenshot(f"shape-{name}{'-elderly' if elderly else ''}")
        d.call(lambda: d.app.nav.home())
        d.wait_screen("idle")
    # a resize turns the layout round without a restart
    w, h = facts["window"]
    d.call(lambda: setattr(Window, "size", (h, w)))
    d.wait_until(lambda: theme.portrait != facts["portrait"], 5, "the layout to follow the resize")
    d.settle(5)
    facts["idle_after_resize"] = d.call(lambda: arrangement(d.widget("idle", "preview"), d.widget("idle", "prompt")))
    facts["too_small"] = small
    facts["screens"] = names
    return facts
