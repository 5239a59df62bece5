"""Visitor registration (the guard or the visitor types; Chinese names by pinyin)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty, StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.ports import FormResult
from kiosk.ui.screens.form_base import FormScreen

KEY_GROUP_FLAGS = ("risk-area-14d", "inbound", "cold-chain", "released-or-recovered")


class VisitorScreen(FormScreen):
    doc_type = StringProperty("cn-id")
    key_groups = ListProperty([])

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.doc_type = "cn-id"
        self.key_groups = []

    def toggle_group(self, flag: str) -> None:
        self.key_groups = [g for g in self.key_groups if g != flag] if flag in self.key_groups else [*self.key_groups, flag]

    def submit(self) -> None:
        form: dict[str, Any] = dict(self.values())
        form["doc_type"] = self.doc_type
        form["key_groups"] = list(self.key_groups)
        app = App.get_running_app()
        app.worker.submit(lambda: app.gate.register_visitor(form), self._saved, self.failed)

    def _saved(self, result: FormResult) -> None:
        self.show_errors(result.errors)
        if result.ok:
            app = App.get_running_app()
            app.flow.expect_person(result.person_uuid)
            app.nav.go("message", title=tr._("Visitor registered"), text=tr._("Now scan the visitor's health code."), good=True)
