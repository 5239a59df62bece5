"""Touch helpers the scenarios share, and the services each scenario's App gets."""

from __future__ import annotations

from typing import Any

from kiosk.commands.compose import build_services
from kiosk.ui.services import Services


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
