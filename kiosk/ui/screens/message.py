"""A plain message with one OK button: a saved registration, or a failure (nothing saved)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.screens.kit import KitScreen


class MessageScreen(KitScreen):
    title = StringProperty("")
    text = StringProperty("")
    good = BooleanProperty(False)

    def enter(self, title: str = "", text: str = "", good: bool = False, **_params: Any) -> None:
        self.title, self.text, self.good = title, text, good
