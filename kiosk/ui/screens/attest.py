"""Offline cn-token: the guard records the colour the phone shows (re-checked later)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class AttestScreen(Screen):
    code = ObjectProperty(None, allownone=True)

    def enter(self, code: Any = None, **_params: Any) -> None:
        self.code = code
