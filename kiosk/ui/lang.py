"""The live translator used by every screen: `tr._("...")` in .kv and Python.

Switching language (`tr.switch("en")`) re-evaluates every kv rule that called `tr._`,
so the whole UI changes language at once, at any time, without rebuilding screens.
This follows Kivy's documented Observable pattern for gettext in kv rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from kivy.lang import Observable

from kiosk.ui.i18n import LANGUAGES, translations

_WATCHED = ("_", "lang")


class Translator(Observable):
    def __init__(self, lang: str = "zh_CN") -> None:
        super().__init__()
        self._observers: dict[int, tuple[Callable[..., Any], Any]] = {}
        self._uids = itertools.count(1)
        self._listeners: list[Callable[[str], None]] = []
        self.lang = lang
        self._gettext = translations(lang).gettext

    def _(self, text: str) -> str:
        return self._gettext(text)

    # kv rules bind to `tr._` (and `tr.lang`) through these three methods
    def fbind(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        if name not in _WATCHED:
            return int(super().fbind(name, func, *args, **kwargs))
        uid = next(self._uids)
        self._observers[uid] = (func, args)
        return uid

    def funbind(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if name not in _WATCHED:
            super().funbind(name, func, *args, **kwargs)
            return
        for uid, (f, a) in list(self._observers.items()):
            if f == func and a == args:
                del self._observers[uid]

    def unbind_uid(self, name: str, uid: int) -> None:
        if name not in _WATCHED:
            super().unbind_uid(name, uid)
            return
        self._observers.pop(uid, None)

    def on_change(self, listener: Callable[[str], None]) -> None:
        """For Python code that builds texts itself (e.g. a shown result)."""
        self._listeners.append(listener)

    def switch(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        self.lang = lang
        self._gettext = translations(lang).gettext
        for func, args in list(self._observers.values()):
            func(*args, None, None)
        for listener in list(self._listeners):
            listener(lang)


tr = Translator()
