"""The check was too old to record (a long fever re-measure): it was done again. The
guard sees the new result here before anything is recorded."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.ports import CodeView
from kiosk.ui.screens.kit import KitScreen
from kiosk.ui.texts import COLOURS


class RecheckedScreen(KitScreen):
    code = ObjectProperty(None, allownone=True)
    shown = StringProperty("")

    def enter(self, code: CodeView | None = None, **_params: Any) -> None:
        self.code = code
        c = code
        if c is None:
            self.shown = ""
            return
        status = tr._("cannot be checked now") if c.status == "unverified" else c.status
        colour = tr._(COLOURS[c.colour]) if c.colour.value != "none" else status
        self.shown = "  ".join(x for x in (colour, c.name_masked, c.id_masked, c.person_label) if x)
