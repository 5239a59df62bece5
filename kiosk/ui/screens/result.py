"""Result screen: full-screen colour, an icon and words, the masked name, the reason,
the temperature; a sound; back to idle after `ui.result_seconds` or on a touch."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.domain.models import Outcome
from kiosk.ui.lang import tr
from kiosk.ui.ports import ResultView
from kiosk.ui.screens.kit import KitScreen, ScreenKit
from kiosk.ui.texts import OUTCOMES, REASONS
from kiosk.ui.theme import colors


class ResultScreen(KitScreen):
    kind = StringProperty("pass")
    headline = StringProperty("")
    who = StringProperty("")
    reasons = StringProperty("")
    temperature = StringProperty("")
    bg = ListProperty(colors["PASS_BG"])
    fg = ListProperty(colors["TEXT"])
    can_override = BooleanProperty(False)

    def __init__(self, kit: ScreenKit, seconds: float, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        self.seconds = seconds
        self.result: ResultView | None = None
        self._timer: Any = None
        tr.on_change(lambda _lang: self._fill())

    def enter(self, result: ResultView, **_params: Any) -> None:
        self.result = result
        self._fill()
        self.kit.sounds.play(self.kind)
        self._arm()

    def _fill(self) -> None:
        r = self.result
        if r is None:
            return
        self.kind = r.outcome.value
        self.bg = colors[{"pass": "PASS_BG", "deny": "DENY_BG", "review": "REVIEW_BG"}[self.kind]]
        self.fg = colors["TEXT_ON_REVIEW" if r.outcome is Outcome.REVIEW else "TEXT"]
        self.headline = tr._(OUTCOMES[r.outcome])
        self.who = "  ".join(x for x in (r.name_masked, r.id_masked) if x)
        self.reasons = "\n".join(tr._(REASONS[x]) for x in r.reasons)
        if r.duty_phone:
            self.reasons += "\n" + tr._("Duty phone: {phone}").format(phone=r.duty_phone)
        self.temperature = "" if r.temperature_c is None else tr._("Temperature {value} °C").format(value=f"{r.temperature_c:.1f}")
        self.can_override = r.outcome is not Outcome.PASS

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = Clock.schedule_once(lambda _dt: self.done(), self.seconds)

    def on_leave(self, *_a: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def done(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.kit.nav.home()

    def ask_override(self) -> None:
        self.kit.nav.go("override", result=self.result)
