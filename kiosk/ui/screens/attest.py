"""Offline cn-token: the guard records the colour the phone shows (re-checked later)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty

from kiosk.ui.screens.kit import KitScreen


class AttestScreen(KitScreen):
    code = ObjectProperty(None, allownone=True)

    def enter(self, code: Any = None, **_params: Any) -> None:
        self.code = code
