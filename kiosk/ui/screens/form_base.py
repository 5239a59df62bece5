"""What the forms share: the on-screen keyboard follows the field being edited, and
per-field errors from the workflow are shown under each field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kivy.properties import StringProperty
from kivy.uix.scrollview import ScrollView

from kiosk.ui.lang import tr
from kiosk.ui.screens.kit import KitScreen


def ancestor(widget: Any, cls: type) -> Any:
    """The nearest enclosing widget of a class, or None (the window is its own parent)."""
    p = widget.parent
    while p is not None and p is not getattr(p, "parent", None):
        if isinstance(p, cls):
            return p
        p = p.parent
    return None


class FormScreen(KitScreen):
    general_error = StringProperty("")

    def fields(self) -> dict[str, Any]:
        """field name -> FormField widget, for every FormField declared with an id."""
        return {w.field_name: w for w in self.ids.values() if getattr(w, "field_name", "")}

    _bound = False

    def _bind_fields(self) -> None:
        """The keyboard follows whichever field the finger touched last."""
        if not self._bound:
            for ff in self.fields().values():
                ff.input.bind(focus=self._focus_changed)
            self._bound = True

    def _focus_changed(self, field: Any, focused: bool) -> None:
        if not focused:
            return
        if "keyboard" in self.ids:
            self.ids.keyboard.reset()
            self.ids.keyboard.target = field
        scroller = ancestor(field, ScrollView)
        if scroller is not None:  # a field reached with Tab on a hardware keyboard comes into view
            scroller.scroll_to(field.parent, padding=10, animate=False)

    def enter(self, **_params: Any) -> None:
        self._bind_fields()
        for ff in self.fields().values():
            ff.input.text = ""
            ff.error = ""
        self.general_error = ""
        first = next(iter(self.fields().values()), None)
        if first is not None and "keyboard" in self.ids:
            self.ids.keyboard.target = first.input

    def values(self) -> dict[str, str]:
        return {name: ff.input.text.strip() for name, ff in self.fields().items()}

    def show_errors(self, errors: Mapping[str, tuple[str, str]]) -> None:
        """Each field's message in the language on screen (the workflow gives both)."""
        pick = 0 if tr.lang == "zh_CN" else 1
        known = self.fields()
        for name, ff in known.items():
            ff.error = errors[name][pick] if name in errors else ""
        self.general_error = "\n".join(msg[pick] for name, msg in errors.items() if name not in known)

    def failed(self, exc: BaseException) -> None:
        self.general_error = tr._("Not saved: {error}").format(error=str(exc))
