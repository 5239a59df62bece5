"""Temperature keypad and the re-measure flow (the rules live in kiosk.domain.temperature).

The guard types a reading; the workflow says whether it is final or must be measured
again (too low, not plausible, or a fever to confirm with a contact thermometer). Every
reading typed is kept for the record.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.ui.lang import tr
from kiosk.ui.ports import CodeView, TemperatureStep
from kiosk.ui.texts import COLOURS, TEMPERATURE_STEPS


class TemperatureScreen(Screen):
    code = ObjectProperty(None, allownone=True)
    step = StringProperty("missing")
    method = StringProperty("infrared")
    readings = ListProperty([])
    error = StringProperty("")
    who = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        tr.on_change(lambda _lang: self._describe())

    def enter(self, code: CodeView | None = None, **_params: Any) -> None:
        self.code = code
        self.step = "missing"
        self.method = "infrared"
        self.readings = []
        self.error = ""
        self.ids.keypad.clear()
        self._describe()

    def _describe(self) -> None:
        c = self.code
        if c is None:
            self.who = ""
            return
        self.who = "  ".join(x for x in (tr._(COLOURS[c.colour]), c.name_masked, c.id_masked) if x)

    def hint(self, step: str, _lang: str) -> str:
        return tr._(TEMPERATURE_STEPS.get(step, TEMPERATURE_STEPS["missing"]))

    def submit(self) -> None:
        from kiosk.domain.temperature import parse_celsius

        typed = self.ids.keypad.value
        value = parse_celsius(typed)
        if value is None:
            self.error = tr._("Type a number such as 36.5")
            return
        self.error = ""
        self.readings = [*self.readings, f"{value:.1f} °C"]
        self.ids.keypad.clear()
        App.get_running_app().flow.add_reading(value, self.method, self._on_step)

    def _on_step(self, step: TemperatureStep) -> None:
        self.step = step.verdict
        self.method = step.next_method
