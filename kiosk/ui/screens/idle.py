"""Idle screen: community, gate, the big prompt."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen


class IdleScreen(Screen):
    community = StringProperty("")
    gate = StringProperty("")

    def __init__(self, cfg: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.community = cfg["kiosk.community_name"]
        self.gate = cfg["kiosk.gate_name"]
