"""What a screen may use, handed to it when it is built (KioskApp.build -> screen_factories).

Screens never look services up on the running App: each gets this kit in its constructor,
its .kv rule reaches it as `root.kit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kivy.uix.screenmanager import Screen

from kiosk.ui.flow import GateFlow
from kiosk.ui.navigator import Navigator
from kiosk.ui.services import Services
from kiosk.ui.sounds import Sounds
from kiosk.ui.worker import UiWorker


@dataclass(frozen=True)
class ScreenKit:
    services: Services  # the ports the screens call, always through `worker`
    worker: UiWorker
    nav: Navigator
    flow: GateFlow  # the gate pass under way
    sounds: Sounds
    tz: ZoneInfo  # the zone times are shown in
    refresh_status: Callable[[], None]  # read the idle screen's status bar again (after a change)
    local_time: Callable[[str], str]  # an ISO UTC time as shown ("MM-DD HH:MM")


class KitScreen(Screen):
    def __init__(self, kit: ScreenKit, **kwargs: Any) -> None:
        self.kit = kit  # before the .kv rule is applied: its handlers may name root.kit
        super().__init__(**kwargs)
