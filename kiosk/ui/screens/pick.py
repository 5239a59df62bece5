"""Quick roster pick: whose code is this? Shown in lockdown when a scanned code names no
resident the kiosk can match (a DCC, or a masked identity that fits several residents).

The guard touches the building, the unit, the room, then the name (or one of the code's
candidates directly); "Not a resident" goes on without a person (lockdown: review).
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.ports import CodeView, RosterEntry
from kiosk.ui.screens.kit import KitScreen, ScreenKit
from kiosk.ui.texts import COLOURS

LEVELS = ("building", "unit", "room", "name")


class PickScreen(KitScreen):
    code = ObjectProperty(None, allownone=True)
    path = ListProperty([])  # chosen building, unit, room so far
    who = StringProperty("")
    hint = StringProperty("")

    def __init__(self, kit: ScreenKit, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        self.roster: list[RosterEntry] = []

    def enter(self, code: CodeView | None = None, **_params: Any) -> None:
        self.code = code
        self.path = []
        self.roster = []
        c = code
        self.who = "  ".join(x for x in (tr._(COLOURS[c.colour]), c.name_masked, c.id_masked) if x) if c else ""
        if c is not None and c.candidates:
            self.hint = tr._("The code fits these residents. Touch the person in front of you.")
            self._show([(uuid, label) for uuid, label in c.candidates], pick=True)
            return
        self.hint = tr._("Lockdown: find the resident. Touch the building, unit and room, then the name.")
        self.kit.worker.submit(self.kit.services.gate.roster, self._got_roster, lambda exc: setattr(self, "hint", str(exc)))

    def _got_roster(self, roster: list[RosterEntry]) -> None:
        self.roster = list(roster)
        self._refresh()

    def back(self) -> None:
        if self.path:
            self.path = self.path[:-1]
            self._refresh()

    def choose(self, value: str) -> None:
        self.path = [*self.path, value]
        self._refresh()

    def _refresh(self) -> None:
        level = LEVELS[len(self.path)]
        rows = [r for r in self.roster if all(getattr(r, LEVELS[i]) == v for i, v in enumerate(self.path))]
        if level == "name":
            self._show([(r.person_uuid, r.name_masked) for r in rows], pick=True)
            return
        values = sorted({getattr(r, level) for r in rows})
        if len(values) == 1 and len(rows) > 0 and values[0] == "":  # no unit/room on file: skip the level
            self.choose("")
            return
        self._show([(v, v) for v in values], pick=False)

    def _show(self, items: list[tuple[str, str]], *, pick: bool) -> None:
        grid = self.ids.choices
        grid.clear_widgets()
        for key, label in items:
            button = Factory.BigButton(text=label or "—", size_hint_y=None, height=self.ids.back.height)
            button.bind(on_release=lambda _b, k=key: self._picked(k) if pick else self.choose(k))
            grid.add_widget(button)

    def _picked(self, person_uuid: str) -> None:
        self.kit.flow.pick(person_uuid)

    def not_resident(self) -> None:
        self.kit.flow.pick("")
