"""Guard override of a DENY/REVIEW: the guard on duty types their PIN again and a reason;
both are checked by the service and recorded. A confirmed fever is only referred."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.domain.models import Reason
from kiosk.ui.lang import tr
from kiosk.ui.screens.form_base import FormScreen
from kiosk.ui.texts import REASONS


class OverrideScreen(FormScreen):
    result = ObjectProperty(None, allownone=True)
    summary = StringProperty("")  # whose pass is being let through, and why it was stopped
    refer = BooleanProperty(False)  # a confirmed fever: never let through, only referred to the fever clinic

    def enter(self, result: Any = None, **params: Any) -> None:
        super().enter(**params)
        self.ids.f_pin.input.password = True
        self.result = result
        self.refer = result is not None and Reason.FEVER_CONFIRMED in result.reasons
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
        # The PIN goes to the service even when empty: the guard's PIN is checked there, never here.
        self.kit.flow.override(reason, self.values()["pin"], self.refused, refer=self.refer)

    def refused(self, exc: BaseException) -> None:
        """Not recorded: the PIN, the policy or the input said no; the guard sees why."""
        from kiosk.ui.adapters.gate import field_errors

        self.ids.f_pin.input.text = ""
        self.show_errors(field_errors(exc) if isinstance(exc, ValueError) else {"": (str(exc), str(exc))})
