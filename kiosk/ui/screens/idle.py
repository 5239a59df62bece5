"""Idle / scan screen: the live preview, the big prompt, the lanes, the status bar."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.config import Config
from kiosk.ui.ports import StatusView
from kiosk.ui.screens.kit import KitScreen, ScreenKit


class IdleScreen(KitScreen):
    community = StringProperty("")
    gate = StringProperty("")
    online = StringProperty("unknown")  # online / offline / unknown
    last_sync = StringProperty("")
    pending = NumericProperty(0)
    failed = NumericProperty(0)
    camera = StringProperty("off")
    mode = StringProperty("normal")
    duty_names = StringProperty("")
    duty_phone = StringProperty("")
    leaving = BooleanProperty(False)

    def __init__(self, kit: ScreenKit, cfg: Config, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        self.community = cfg["kiosk.community_name"]
        self.gate = cfg["kiosk.gate_name"]

    def enter(self, **_params: Any) -> None:
        self.leaving = False

    def show_status(self, status: StatusView, last_sync_local: str) -> None:
        self.online = "revoked" if status.revoked else "unknown" if status.online is None else ("online" if status.online else "offline")
        self.last_sync = last_sync_local
        self.pending = status.pending_uploads
        self.failed = status.failed_uploads
        self.mode = status.mode
        self.duty_names = "、".join(status.duty.names)
        self.duty_phone = status.duty.phone

    def toggle_leaving(self) -> None:
        self.leaving = not self.leaving
        self.kit.flow.direction = "out" if self.leaving else "in"
