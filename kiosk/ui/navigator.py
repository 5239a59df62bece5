"""Moving between screens: each screen gets its parameters in `enter(**params)`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.uix.screenmanager import NoTransition, ScreenManager

log = logging.getLogger(__name__)


class Navigator:
    def __init__(self, sm: ScreenManager) -> None:
        self.sm = sm
        sm.transition = NoTransition()  # instant: a gate has no time for animations
        self.listeners: list[Callable[[str], None]] = []

    @property
    def current(self) -> str:
        return str(self.sm.current)

    def go(self, name: str, **params: Any) -> None:
        screen = self.sm.get_screen(name)
        enter = getattr(screen, "enter", None)
        if enter is not None:
            enter(**params)
        self.sm.current = name
        for listener in self.listeners:
            listener(name)

    def home(self) -> None:
        self.go("idle")
