"""KioskApp: builds the screen manager from one .kv file per screen."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.uix.screenmanager import ScreenManager

from kiosk.config import Config
from kiosk.ui.app import UI_DIR, cjk_font
from kiosk.ui.screens.idle import IdleScreen


class KioskApp(App):
    title = "Checkpoint kiosk"

    def __init__(self, cfg: Config, store: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cfg = cfg
        self.store = store

    def build(self) -> ScreenManager:
        LabelBase.register(name="CJK", fn_regular=cjk_font())
        Builder.load_file(str(UI_DIR / "screens" / "idle.kv"))
        sm = ScreenManager()
        sm.add_widget(IdleScreen(name="idle", cfg=self.cfg))
        return sm
