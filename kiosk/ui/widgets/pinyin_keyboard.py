"""On-screen keyboard with pinyin input, for typing Chinese names on the touch screen.

Letters build a pinyin string; the candidate bar shows characters and words for it,
most frequent first (kiosk.ui.pinyin_ime). Touching a candidate inserts it into the
target field. "中/EN" switches to Latin letters (foreign names, passports). A hardware
keyboard still works through the field itself and the system input method.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.pinyin_ime import Candidate, Composer, PinyinIndex

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


class PinyinKeyboard(BoxLayout):
    target = ObjectProperty(None, allownone=True)  # the TextInput that receives text
    index = ObjectProperty(None, allownone=True)  # PinyinIndex once loaded
    chinese = BooleanProperty(True)
    pending = StringProperty("")
    candidates = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._composer = Composer(None)

    def on_kv_post(self, _base: Any) -> None:
        rows = self.ids.rows
        for letters in ROWS:
            row = Factory.KeyRow()
            for ch in letters:
                key = Factory.LetterKey(text=ch)
                key.keyboard = self  # kv-declared property: set after construction
                row.add_widget(key)
            rows.add_widget(row)

    def on_index(self, _inst: Any, index: PinyinIndex | None) -> None:
        self._composer.index = index

    def press(self, key: str) -> None:
        if self.target is None:
            return
        if key.isdigit() or not self.chinese or self.index is None:
            self._flush_pending()
            # Latin mode types capitals: passports and foreign names are written that way
            self.target.insert_text(key if self.chinese else key.upper())
        else:
            self._composer.type_letter(key)
        self._refresh()

    def backspace(self) -> None:
        if self._composer.pending:
            self._composer.backspace()
        elif self.target is not None:
            self.target.do_backspace()
        self._refresh()

    def insert(self, chars: str) -> None:
        """Punctuation keys (space, the middle dot of minority names)."""
        if self.target is not None:
            self._flush_pending()
            self.target.insert_text(chars)
        self._refresh()

    def choose(self, cand: Candidate) -> None:
        if self.target is None:
            return
        self._composer.text = ""
        self._composer.choose(cand)
        self.target.insert_text(self._composer.text)
        self._composer.text = ""
        self._refresh()

    def toggle_chinese(self) -> None:
        self._flush_pending()
        self.chinese = not self.chinese
        self._refresh()

    def _flush_pending(self) -> None:
        if self._composer.pending and self.target is not None:
            self.target.insert_text(self._composer.pending)
        self._composer.pending = ""

    def _refresh(self) -> None:
        self.pending = self._composer.pending
        self.candidates = self._composer.candidates(limit=30)  # the bar scrolls sideways
        bar = self.ids.candidate_bar
        bar.clear_widgets()
        for cand in self.candidates:
            key = Factory.CandidateKey(text=cand.text)
            key.candidate, key.keyboard = cand, self
            bar.add_widget(key)

    def reset(self) -> None:
        self._composer.pending = ""
        self._refresh()
