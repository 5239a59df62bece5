"""KioskApp: wires settings, services, the worker, the flow and the screens. No logic here."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.textinput import TextInput

from kiosk.config import Config
from kiosk.ui.app import UI_DIR, cjk_font
from kiosk.ui.flow import GateFlow
from kiosk.ui.lang import tr
from kiosk.ui.navigator import Navigator
from kiosk.ui.screens import KV_FILES, screen_factories
from kiosk.ui.sounds import Sounds
from kiosk.ui.theme import theme
from kiosk.ui.watchdog import start_watchdog
from kiosk.ui.widgets import keypad, pinyin_keyboard, preview, region_bar, result_icon  # noqa: F401  (register widget classes)
from kiosk.ui.wiring import Services, build_services
from kiosk.ui.worker import UiWorker

WIDGET_KV = ("common", "keypad", "pinyin_keyboard", "region_bar")
_kv_loaded = False


def load_kv() -> None:
    global _kv_loaded
    if _kv_loaded:
        return
    for name in WIDGET_KV:
        Builder.load_file(str(UI_DIR / "widgets" / f"{name}.kv"))
    for name in KV_FILES:
        Builder.load_file(str(UI_DIR / "screens" / f"{name}.kv"))
    _kv_loaded = True


class KioskApp(App):
    title = "Checkpoint kiosk"
    preview_fps = NumericProperty(30)
    pinyin_index = ObjectProperty(None, allownone=True)  # loaded on a thread at start

    def __init__(self, cfg: Config, store: Any, services: Services | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cfg, self.store, self.services = cfg, store, services
        self.tz = ZoneInfo(cfg["kiosk.timezone"])
        self.started_at = time.perf_counter()
        self.ready_at: float | None = None

    def build(self) -> ScreenManager:
        cfg = self.cfg
        LabelBase.register(name="CJK", fn_regular=cjk_font())
        load_kv()
        theme.elderly_scale = cfg["ui.elderly_scale"]
        theme.elderly = cfg["ui.elderly_mode"]
        theme.follow_window(Window)
        tr.switch(cfg["kiosk.language"])
        self.preview_fps = cfg["ui.preview_fps"]
        self.sounds = Sounds(cfg["ui.sounds"], volume=cfg["ui.volume"])
        self.worker = UiWorker()
        s = self.services = self.services or build_services(cfg, self.store)
        self.gate, self.duty, self.status, self.admin = s.gate, s.duty, s.status, s.admin
        sm = ScreenManager()
        self.nav = Navigator(sm, screen_factories(cfg))
        self.flow = GateFlow(self.gate, self.worker, self.nav, ask_temperature=cfg["ui.ask_temperature"])
        self.nav.go("idle")
        threading.Thread(target=self._load_pinyin, name="pinyin-index", daemon=True).start()
        Clock.schedule_interval(lambda _dt: self.refresh_status(), cfg["ui.status_refresh_s"])
        return sm

    def on_start(self) -> None:
        idle = self.root.get_screen("idle")
        idle.ids.preview.source_obj = self.services.frames if self.services else None
        idle.ids.preview.start()
        if self.services is not None:
            self.services.start(self.code_from_device)
            hub = self.services.extra.get("devices")
            if hub is not None:  # a keyboard-wedge scanner types into the kiosk's window
                self._hub = hub
                hub.on_card = self.card_from_device
                Window.bind(on_key_down=self._on_key_down)
                Clock.schedule_interval(lambda _dt: hub.poll_keys(), 0.02)
        self.refresh_status()
        Clock.schedule_once(self._ready, 0)

    def _ready(self, _dt: float) -> None:
        self.ready_at = time.perf_counter()
        self.watchdog = start_watchdog(Clock)  # systemd: READY=1, then pings while this loop turns
        Clock.schedule_once(lambda _dt: self.sounds.preload(), 0.5)  # after the first frame
        Clock.schedule_once(self._build_more, 0.1)

    def _build_more(self, _dt: float) -> None:
        """The other screens, one per frame, while the kiosk already scans."""
        if self.nav.build_next():
            Clock.schedule_once(self._build_more, 0)

    def on_stop(self) -> None:
        if getattr(self, "watchdog", None) is not None:
            self.watchdog.stopping()
        if self.services is not None:
            self.services.stop()
            if self.services.thermometer is not None:
                self.services.thermometer.close()
        self.worker.stop()

    def _on_key_down(self, _win: Any, key: int, _scancode: int, codepoint: str | None, _mods: Any) -> bool:
        """Keys while no field has focus go to the wedge reader (scans); a field gets its own."""
        if any(isinstance(w, TextInput) and w.focus for w in self.root.current_screen.walk()):
            return False
        if key in (13, 271):  # Enter, keypad Enter
            self._hub.key("enter")
        elif codepoint:
            self._hub.key(codepoint)
        else:
            return False
        return True

    def code_from_device(self, payload: str, origin: str) -> None:
        """Called on a device thread: hand the code to the Kivy thread."""
        Clock.schedule_once(lambda _dt: self.flow.on_code(payload, origin))

    def card_from_device(self, card: Any) -> None:
        """Called on the ID card reader's thread: the no-smartphone lane fills itself."""
        Clock.schedule_once(lambda _dt: self.flow.on_id_card(card.number))

    def _load_pinyin(self) -> None:
        from kiosk.ui.pinyin_ime import PinyinIndex

        index = PinyinIndex.load()
        Clock.schedule_once(lambda _dt: setattr(self, "pinyin_index", index))
        from kiosk.domain import region_tree

        region_tree.places()  # the visitor form's place picker (pinyin of every place name)

    # --- small actions the screens ask for -----------------------------------------
    def switch_language(self) -> None:
        tr.switch("en" if tr.lang == "zh_CN" else "zh_CN")

    def toggle_elderly(self) -> None:
        theme.elderly = not theme.elderly

    def refresh_status(self) -> None:
        idle = self.root.get_screen("idle") if self.root else None
        if idle is None:
            return
        idle.camera = self.services.frames.state() if self.services and self.services.frames else "off"
        self.worker.submit(self.status.snapshot, lambda st: idle.show_status(st, self.local_time(st.last_sync_at)))

    def local_time(self, iso_utc: str) -> str:
        if not iso_utc:
            return ""
        try:
            return datetime.fromisoformat(iso_utc).astimezone(self.tz).strftime("%m-%d %H:%M")
        except ValueError:
            return iso_utc
