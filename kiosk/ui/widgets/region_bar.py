"""Where a visitor came from, picked by name instead of a 6-digit code.

A strip above the keyboard while the "coming from" field is focused. With nothing typed it
browses province → city → county; with characters in the field, or pinyin being composed
on the keyboard ("chaoyang", "cy"), it lists matches. Touching a place writes its code into
the field; the place's full name shows above, marked when it lies in a listed risk area.
The ID number's region is offered only through the "came from home" chip (户籍地).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.domain import region_tree
from kiosk.domain.regions import lookup_region, region_matches
from kiosk.ui.lang import tr

_LEVELS = {"low": 1, "medium": 2, "high": 3}


def risk_of(code: str, areas: Sequence[tuple[str, str]]) -> str | None:
    """The highest listed risk level the place falls in (None: not listed)."""
    best: str | None = None
    for area, level in areas:
        if region_matches(code, area) and _LEVELS.get(level, 0) > _LEVELS.get(best or "", 0):
            best = level
    return best


class RegionBar(BoxLayout):
    field = ObjectProperty(None, allownone=True)  # the TextInput holding the code
    keyboard = ObjectProperty(None, allownone=True)  # the PinyinKeyboard (its pending pinyin is a query)
    id_number = StringProperty("")  # the document number typed on the form, for "came from home"
    risk_areas = ListProperty([])  # [(region_code, level)]
    browsing = StringProperty("")  # the province/city being browsed ("" = provinces)
    chosen = StringProperty("")  # full name of the place in the field, with its risk mark
    chosen_risk = StringProperty("")  # "", "low", "medium" or "high"
    active = BooleanProperty(False)  # chips only while the "coming from" field is being filled

    def on_active(self, *_a: Any) -> None:
        self.refresh()

    def on_field(self, _inst: Any, field: Any) -> None:
        if field is not None:
            field.bind(text=lambda *_a: self.refresh())

    def on_keyboard(self, _inst: Any, kb: Any) -> None:
        if kb is not None:
            kb.bind(pending=lambda *_a: self.refresh())

    def query(self) -> str:
        typed = self.field.text.strip() if self.field is not None else ""
        if typed.isdigit():
            return ""
        pending = self.keyboard.pending if self.keyboard is not None else ""
        return (typed + pending).strip()

    def refresh(self) -> None:
        if not region_tree.ready():  # the screen builds the table on its worker, then refreshes
            return
        code = self.field.text.strip() if self.field is not None else ""
        place = region_tree.place(code) if len(code) == 6 and code.isdigit() else None
        self.chosen_risk = (risk_of(code, self.risk_areas) or "") if place else ""
        self.chosen = place.full_name if place else ""
        chips = self.ids.chips
        chips.clear_widgets()
        if not self.active:
            return
        q = self.query()
        if q:
            for p in region_tree.search(q, limit=12):
                self._chip(p.full_name, lambda p=p: self.pick(p.code), p.code)
            return
        home = self._home_code()
        if home:
            self._chip(tr._("Came from home (ID card)"), lambda: self.pick(home), home, quiet=False)
        if self.browsing:
            up = region_tree.place(self.browsing)
            self._chip("↑ " + tr._("Back"), lambda: self.browse(up.parent if up else None), None)
            if up is not None:
                self._chip(tr._("All of {place}").format(place=up.name), lambda: self.pick(up.code), up.code)
        for p in region_tree.children(self.browsing or None):
            if region_tree.children(p.code):
                self._chip(p.name + " ›", lambda p=p: self.browse(p.code), p.code)
            else:
                self._chip(p.name, lambda p=p: self.pick(p.code), p.code)

    def _home_code(self) -> str:
        n = self.id_number.strip()
        if len(n) == 18 and n[:6].isdigit() and lookup_region(n[:6]) is not None:
            return n[:6]
        return ""

    def _chip(self, text: str, action: Any, code: str | None, quiet: bool = True) -> None:
        chip = Factory.RegionChip(text=text)
        chip.code = code or ""
        chip.risky = bool(code and (risk_of(code, self.risk_areas) or "") in ("medium", "high"))
        chip.quiet = quiet
        chip.bind(on_release=lambda *_a: action())
        self.ids.chips.add_widget(chip)

    def browse(self, code: str | None) -> None:
        self.browsing = code or ""
        self.refresh()

    def pick(self, code: str) -> None:
        if self.keyboard is not None:
            self.keyboard.reset()
        if self.field is not None:
            self.field.text = code  # refresh() follows through the binding
        self.browsing = ""
        self.refresh()

    def chips(self) -> list[Any]:
        """The chips on show, first to last (tests touch them like a finger would)."""
        return list(reversed(self.ids.chips.children))
