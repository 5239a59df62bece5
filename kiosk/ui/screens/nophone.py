"""No-smartphone lane (the notice keeps it for the elderly and disabled): the guard types
the ID number; the colour comes from the online check by ID number, else the guard attests."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.ui.lang import tr


class NoPhoneScreen(Screen):
    error = StringProperty("")

    def enter(self, **_params: Any) -> None:
        self.error = ""
        self.ids.keypad.clear()

    def submit(self) -> None:
        typed = self.ids.keypad.value
        if not typed:
            self.error = tr._("Type the ID number")
            return
        self.error = ""
        App.get_running_app().flow.on_id_number(typed, self._failed)

    def _failed(self, exc: BaseException) -> None:
        # the workflow's validation message (e.g. a wrong check digit), in both languages
        App.get_running_app().flow.current = None
        self.error = str(exc)
