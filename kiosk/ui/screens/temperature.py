"""Temperature keypad and the re-measure flow (the rules live in kiosk.domain.temperature).

A wired thermometer (thermometer.kind = serial or fake) fills the reading in; the guard
records it or measures again. Without one, or when it fails, the guard types it. The
workflow says whether the readings are final or must be measured again (too low, not
plausible, or a fever to confirm with a contact thermometer after thermometer.remeasure_pause_s,
counted down on the screen). Every reading is kept with its own time and method.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.ports import CodeView, TemperatureFeed, TemperatureStep
from kiosk.ui.screens.kit import KitScreen, ScreenKit
from kiosk.ui.texts import COLOURS, TEMPERATURE_STEPS


class TemperatureScreen(KitScreen):
    code = ObjectProperty(None, allownone=True)
    step = StringProperty("missing")
    method = StringProperty("infrared")
    readings = ListProperty([])
    error = StringProperty("")
    who = StringProperty("")
    device = StringProperty("")  # what the thermometer says ("" = nothing read / none wired)
    wait_s = NumericProperty(0)  # seconds left before the contact re-measure counts
    wired = BooleanProperty(False)  # a thermometer is wired (the "measure again" button)

    _device_reading: tuple[float, str, dt.datetime] | None = None
    _due: dt.datetime | None = None
    _tick: Any = None

    def __init__(self, kit: ScreenKit, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        self.wired = kit.services.thermometer is not None
        tr.on_change(lambda _lang: self._describe())

    def enter(self, code: CodeView | None = None, **_params: Any) -> None:
        self.code = code
        self.step = "missing"
        self.method = "infrared"
        self.readings = []
        self.error = ""
        self.ids.keypad.clear()
        self._describe()
        self._stop_countdown()
        self.measure()

    def on_leave(self, *_a: Any) -> None:
        feed = self._feed()
        if feed is not None:
            feed.cancel()
        self._stop_countdown()

    def _describe(self) -> None:
        c = self.code
        if c is None:
            self.who = ""
            return
        if c.offline_registration:  # the no-smartphone lane: there is no code colour to show
            colour = tr._("Registered by ID number")
        else:
            colour = tr._(COLOURS[c.colour])
        self.who = "  ".join(x for x in (colour, c.name_masked, c.id_masked, c.person_label) if x)

    # --- the wired thermometer ------------------------------------------------------------
    def _feed(self) -> TemperatureFeed | None:
        return self.kit.services.thermometer

    def measure(self) -> None:
        """Ask the thermometer for a reading (again); manual entry stays possible meanwhile."""
        feed = self._feed()
        self._device_reading = None
        self.device = ""
        if feed is None or self.method == "contact":  # the contact thermometer is read by the guard
            return
        self.device = tr._("Measuring…")
        feed.measure(lambda v, m, at: Clock.schedule_once(lambda _dt: self._from_device(v, m, at)),
                     lambda msg: Clock.schedule_once(lambda _dt: self._device_failed(msg)))

    def _from_device(self, value: float, method: str, at: dt.datetime) -> None:
        if self.manager is None or self.manager.current != self.name:
            return
        self._device_reading = (value, method, at)
        self.ids.keypad.value = f"{value:.1f}"
        self.device = tr._("From the thermometer: {value} °C. Record it, or measure again.").format(value=f"{value:.1f}")

    def _device_failed(self, message: str) -> None:
        self.device = tr._("The thermometer does not answer: type the temperature.")
        self.error = message

    def hint(self, step: str, _lang: str) -> str:
        return tr._(TEMPERATURE_STEPS.get(step, TEMPERATURE_STEPS["missing"]))

    def submit(self) -> None:
        from kiosk.domain.temperature import parse_celsius

        typed = self.ids.keypad.value
        value = parse_celsius(typed)
        if value is None:
            self.error = tr._("Type a number such as 36.5")
            return
        if self.method == "contact" and self.wait_s > 0:
            self.error = tr._("Wait until the countdown ends before the contact re-measure")
            return
        self.error = ""
        method, taken = self.method, dt.datetime.now(dt.UTC)
        device = self._device_reading
        if device is not None and f"{device[0]:.1f}" == typed:  # the thermometer's reading, as read
            value, method, taken = device
        self.readings = [*self.readings, f"{value:.1f} °C"]
        self.ids.keypad.clear()
        self._device_reading = None
        self.device = ""
        self.kit.flow.add_reading(value, method, self._on_step, taken)

    def _on_step(self, step: TemperatureStep) -> None:
        self.step = step.verdict
        self.method = step.next_method
        self._due = step.remeasure_at
        if self._due is not None:
            self._countdown(0)
            if self._tick is None:
                self._tick = Clock.schedule_interval(self._countdown, 0.5)
        if not step.done:
            self.measure()

    def _countdown(self, _dt: float) -> None:
        due = self._due
        left = 0.0 if due is None else (due - dt.datetime.now(dt.UTC)).total_seconds()
        self.wait_s = max(0, math.ceil(left))
        if self.wait_s <= 0:
            self._stop_countdown()

    def _stop_countdown(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        if self._due is None or (self._due - dt.datetime.now(dt.UTC)).total_seconds() <= 0:
            self.wait_s = 0

    def countdown_text(self, wait_s: int, _lang: str) -> str:
        if wait_s <= 0:
            return ""
        return tr._("Contact re-measure in {time}").format(time=f"{wait_s // 60}:{wait_s % 60:02d}")
