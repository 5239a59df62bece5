"""No-smartphone lane (线下渠道, kept by the notice for the elderly and disabled): the guard
chooses the document and types its number, or the ID-card reader fills it in. Online, the
platform looks the code up by ID number (代查); offline, a resident on the roster passes
after the temperature check and the visit is registered (re-checked by ID number later);
anyone else waits for a person to decide. Nothing here asks about a phone."""

from __future__ import annotations

import string
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.domain.masking import mask_id
from kiosk.ui.lang import tr
from kiosk.ui.screens.kit import KitScreen


class NoPhoneScreen(KitScreen):
    error = StringProperty("")
    doc_type = StringProperty("cn-id")
    from_card = StringProperty("")  # masked number read from the ID card ("" = typed)

    def enter(self, card_number: str = "", **_params: Any) -> None:
        self.error = ""
        self.from_card = ""
        self.set_doc_type("cn-id")
        self.ids.keypad.clear()
        if card_number:
            self.fill_from_card(card_number)

    def set_doc_type(self, doc_type: str) -> None:
        self.doc_type = doc_type
        letters = self.ids.letters
        letters.clear_widgets()
        if doc_type == "passport":  # passport numbers start with letters
            for ch in string.ascii_uppercase:
                key = Factory.QuietButton(text=ch)
                key.bind(on_release=lambda _b, c=ch: self.ids.keypad.press(c))
                letters.add_widget(key)

    def submit(self) -> None:
        typed = self.ids.keypad.value
        if not typed:
            self.error = tr._("Type the ID number")
            return
        self.error = ""
        self.kit.flow.on_id_number(typed, self._failed, self.doc_type)

    def fill_from_card(self, number: str) -> None:
        """The ID-card reader read a card: a mainland ID, checked at once."""
        self.set_doc_type("cn-id")
        self.error = ""
        self.ids.keypad.value = number
        self.from_card = mask_id(number)
        self.kit.flow.on_id_number(number, self._failed, "cn-id", "reader")

    def _failed(self, exc: BaseException) -> None:
        # the workflow's validation message (e.g. a wrong check digit), in both languages
        self.kit.flow.current = None
        self.error = str(exc)
