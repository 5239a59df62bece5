"""A large numeric keypad (temperatures, PINs, ID numbers). Buttons only: no focus games."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout


class Keypad(GridLayout):
    """Keys 0-9, an extra key (".", "X" or none) and backspace; `value` holds what was typed."""

    value = StringProperty("")
    extra = StringProperty(".")  # "." for temperatures, "X" for ID numbers, "" for PINs
    max_length = NumericProperty(18)
    secret = BooleanProperty(False)
    shown = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(value=self._show, secret=self._show)

    def _show(self, *_a: Any) -> None:
        self.shown = "●" * len(self.value) if self.secret else self.value

    def press(self, key: str) -> None:
        if key == "←":
            self.value = self.value[:-1]
        elif key == "C":
            self.value = ""
        elif len(self.value) < self.max_length:
            if key == "." and "." in self.value:
                return
            self.value += key

    def clear(self) -> None:
        self.value = ""
