"""Guard sign-in and duty: who is on duty is shown on the idle screen with the phone.

Only guards the admin added (`kiosk admin add-guard`, or the central lists) can sign in,
each with their own PIN; a name typed here never adds anyone.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty

from kiosk.ui.ports import DutyView, FormResult
from kiosk.ui.screens.form_base import FormScreen


class GuardScreen(FormScreen):
    on_duty = ListProperty([])

    def enter(self, **params: Any) -> None:
        super().enter(**params)
        self.ids.f_guard_pin.input.password = True
        self.refresh()

    def refresh(self) -> None:
        self.kit.worker.submit(self.kit.services.duty.on_duty, self._show, self.failed)

    def _show(self, duty: DutyView) -> None:
        self.on_duty = list(duty.names)
        box = self.ids.duty_list
        box.clear_widgets()
        for name in duty.names:
            btn = Factory.QuietButton(text=name, size_hint_y=None)
            btn.height = btn.size_hint_min_y
            btn.bind(on_release=lambda _b, n=name: self.sign_out(n))
            box.add_widget(btn)

    def sign_in(self) -> None:
        v = self.values()
        duty = self.kit.services.duty
        self.kit.worker.submit(lambda: duty.sign_in(v["guard_name"], v["guard_pin"]), self._signed_in, self.failed)

    def _signed_in(self, result: FormResult) -> None:
        self.show_errors(result.errors)
        if not result.errors:
            for ff in self.fields().values():
                ff.input.text = ""
            self.kit.refresh_status()
            self.refresh()

    def sign_out(self, name: str) -> None:
        duty = self.kit.services.duty
        self.kit.worker.submit(lambda: duty.sign_out(name), self._signed_out, self.failed)

    def _signed_out(self, _result: object) -> None:
        self.kit.refresh_status()
        self.refresh()
