"""Guard override of a DENY/REVIEW: a reason is required and recorded with the guard."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ObjectProperty, StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.screens.form_base import FormScreen
from kiosk.ui.texts import REASONS


class OverrideScreen(FormScreen):
    result = ObjectProperty(None, allownone=True)
    summary = StringProperty("")  # whose pass is being let through, and why it was stopped

    def enter(self, result: Any = None, **params: Any) -> None:
        super().enter(**params)
        self.result = result
        if result is None:
            self.summary = ""
            return
        reasons = "、".join(tr._(REASONS[r]) for r in result.reasons)
        self.summary = "  ".join(x for x in (result.name_masked, result.id_masked, reasons) if x)

    def quick(self, text: str) -> None:
        self.ids.f_reason.input.text = text

    def submit(self) -> None:
        reason = self.values()["reason"]
        if len(reason) < 2:
            self.show_errors({"reason": ("人工放行须填写理由", "An override needs a reason")})
            return
        self.show_errors({})
        App.get_running_app().flow.override(reason, self.failed)
