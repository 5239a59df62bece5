"""KioskApp: wires the settings and the Services it is handed (kiosk.commands.compose builds
them) to the worker, the flow and the screens. No logic here."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any
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
from kiosk.ui.screens.kit import ScreenKit
from kiosk.ui.services import Services
from kiosk.ui.sounds import Sounds
from kiosk.ui.theme import theme
from kiosk.ui.watchdog import start_watchdog
from kiosk.ui.widgets import keypad, pinyin_keyboard, preview, region_bar, result_icon  # noqa: F401  (register widget classes)
from kiosk.ui.worker import UiWorker

if TYPE_CHECKING:
    from kiosk.devices.id_reader import IdCard

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

    def __init__(self, cfg: Config, services: Services | None, **kwargs: Any) -> None:
        """`services` None: a subclass hands them over before build() (`kiosk demo`'s start-up)."""
        super().__init__(**kwargs)
        self.cfg, self._services = cfg, services
        self.tz = ZoneInfo(cfg["kiosk.timezone"])
        self.started_at = time.perf_counter()
        self.ready_at: float | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the kiosk's services were not handed over")
        return self._services

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
        sm = ScreenManager()
        self.nav = Navigator(sm)
        self.flow = GateFlow(self.services.gate, self.worker, self.nav, ask_temperature=cfg["ui.ask_temperature"])
        kit = ScreenKit(self.services, self.worker, self.nav, self.flow, self.sounds, self.tz,
                        refresh_status=self.refresh_status, local_time=self.local_time)
        self.nav.add(screen_factories(cfg, kit))
        self.nav.go("idle")
        threading.Thread(target=self._load_pinyin, name="pinyin-index", daemon=True).start()
        Clock.schedule_interval(lambda _dt: self.refresh_status(), cfg["ui.status_refresh_s"])
        return sm

    def on_start(self) -> None:
        idle = self.root.get_screen("idle")
        idle.ids.preview.source_obj = self.services.frames
        idle.ids.preview.start()
        self.services.start(self.code_from_device, self.card_from_device)
        devices = self.services.devices
        if devices is not None:  # a keyboard-wedge scanner types into the kiosk's window
            self._devices = devices
            Window.bind(on_key_down=self._on_key_down)
            Clock.schedule_interval(lambda _dt: devices.poll_keys(), 0.02)
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
        self.services.stop()
        self.worker.stop()

    def _on_key_down(self, _win: Any, key: int, _scancode: int, codepoint: str | None, _mods: Any) -> bool:
        """Keys while no field has focus go to the wedge reader (scans); a field gets its own."""
        if any(isinstance(w, TextInput) and w.focus for w in self.root.current_screen.walk()):
            return False
        if key in (13, 271):  # Enter, keypad Enter
            self._devices.key("enter")
        elif codepoint:
            self._devices.key(codepoint)
        else:
            return False
        return True

    def code_from_device(self, payload: str, origin: str) -> None:
        """Called on a device thread: hand the code to the Kivy thread."""
        Clock.schedule_once(lambda _dt: self.flow.on_code(payload, origin))

    def card_from_device(self, card: IdCard) -> None:
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
        frames = self.services.frames
        idle.camera = frames.state() if frames is not None else "off"
        self.worker.submit(self.services.status.snapshot, lambda st: idle.show_status(st, self.local_time(st.last_sync_at)))

    def local_time(self, iso_utc: str) -> str:
        if not iso_utc:
            return ""
        try:
            return datetime.fromisoformat(iso_utc).astimezone(self.tz).strftime("%m-%d %H:%M")
        except ValueError:
            return iso_utc
