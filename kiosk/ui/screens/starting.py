"""The first screen of `kiosk demo`: what the start-up is doing, with a progress bar, while
the local server starts, the kiosk enrols and the sample-code video is made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.i18n import N_
from kiosk.ui.lang import tr

# the steps of kiosk.commands.demo.STEPS, in the guard's words
STEP_WORDS = {
    "server": N_("Starting the local central server…"),
    "enrol": N_("Enrolling this kiosk…"),
    "console": N_("Adding the demo console account…"),
    "video": N_("Making the sample-code video…"),
    "sync": N_("First sync: trust list and roster…"),
    "pin": N_("Checking the admin PIN…"),
}


class StartingScreen(BoxLayout):
    step = StringProperty("")  # the step under way (its words)
    progress = NumericProperty(0.0)  # 0..1 of the whole start-up
    lines = ListProperty([])  # every step so far, done ones marked
    error = StringProperty("")

    def __init__(self, steps: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.steps = list(steps)
        self.done: set[str] = set()
        self.current = ""

    def show(self, step: str, done: float, overall: float) -> None:
        """Kivy thread only."""
        if done >= 1.0:
            self.done.add(step)
        self.current = step
        self.step = tr._(STEP_WORDS.get(step, step))
        self.progress = overall
        self.lines = [("✓ " if s in self.done else ("→ " if s == step else "· ")) + tr._(STEP_WORDS.get(s, s))
                      for s in self.steps]

    def fail(self, error: str) -> None:
        self.error = tr._("Start-up failed: {error}").format(error=error)
