"""Visitor registration (the guard or the visitor types; Chinese names by pinyin)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.domain import region_tree
from kiosk.ui.lang import tr
from kiosk.ui.ports import FormResult
from kiosk.ui.screens.form_base import FormScreen

KEY_GROUP_FLAGS = ("risk-area-14d", "inbound", "cold-chain", "released-or-recovered")


class VisitorScreen(FormScreen):
    doc_type = StringProperty("cn-id")
    key_groups = ListProperty([])
    picking_place = BooleanProperty(False)  # the place picker shows while "coming from" is focused

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.doc_type = "cn-id"
        self.key_groups = []
        self.ids.region_bar.browsing = ""
        gate = self.kit.services.gate

        def load() -> list[tuple[str, str]]:
            region_tree.places()  # about a second the first time: never on the Kivy thread
            return list(gate.risk_areas())

        self.kit.worker.submit(load, self._places_ready, lambda _exc: None)

    def _places_ready(self, areas: list[tuple[str, str]]) -> None:
        self.ids.region_bar.risk_areas = areas
        self.ids.region_bar.refresh()

    def _focus_changed(self, field: Any, focused: bool) -> None:
        super()._focus_changed(field, focused)
        if focused:
            self.picking_place = field is self.ids.f_origin.input
            if self.picking_place:
                self.ids.region_bar.refresh()

    def toggle_group(self, flag: str) -> None:
        self.key_groups = [g for g in self.key_groups if g != flag] if flag in self.key_groups else [*self.key_groups, flag]

    def submit(self) -> None:
        form: dict[str, Any] = dict(self.values())
        form["doc_type"] = self.doc_type
        form["key_groups"] = list(self.key_groups)
        gate = self.kit.services.gate
        self.kit.worker.submit(lambda: gate.register_visitor(form), self._saved, self.failed)

    def _saved(self, result: FormResult) -> None:
        self.show_errors(result.errors)
        if result.ok:
            self.kit.flow.expect_person(result.person_uuid)
            self.kit.nav.go("message", title=tr._("Visitor registered"), text=tr._("Now scan the visitor's health code."), good=True)
