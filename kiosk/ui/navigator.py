"""Moving between screens: each screen gets its parameters in `enter(**params)`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.uix.screenmanager import NoTransition, ScreenManager

log = logging.getLogger(__name__)


class Navigator:
    def __init__(self, sm: ScreenManager, factories: dict[str, Callable[[], Any]] | None = None) -> None:
        self.sm = sm
        self.factories = dict(factories or {})
        sm.transition = NoTransition()  # instant: a gate has no time for animations
        self.listeners: list[Callable[[str], None]] = []

    def add(self, factories: dict[str, Callable[[], Any]]) -> None:
        """Screens to build when first needed (the App adds them once their kit, which holds this navigator, exists)."""
        self.factories.update(factories)

    @property
    def current(self) -> str:
        return str(self.sm.current)

    @property
    def names(self) -> list[str]:
        return list(self.factories) or list(self.sm.screen_names)

    def ensure(self, name: str) -> Any:
        """The screen, built now if it has not been yet."""
        if not self.sm.has_screen(name):
            if name not in self.factories:
                raise KeyError(f"no screen named {name!r}")
            self.sm.add_widget(self.factories[name]())
        return self.sm.get_screen(name)

    def build_next(self) -> bool:
        """Build one screen not built yet (called between frames); False when all are."""
        for name in self.factories:
            if not self.sm.has_screen(name):
                self.ensure(name)
                return True
        return False

    def go(self, name: str, **params: Any) -> None:
        screen = self.ensure(name)
        enter = getattr(screen, "enter", None)
        if enter is not None:
            enter(**params)
        self.sm.current = name
        for listener in self.listeners:
            listener(name)

    def home(self) -> None:
        self.go("idle")
