"""The admin PIN: a slow salted hash checked by the service; 5 wrong tries lock it."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.ports import PinCheck
from kiosk.ui.screens.kit import KitScreen


class AdminPinScreen(KitScreen):
    message = StringProperty("")

    def enter(self, **_params: Any) -> None:
        self.message = ""
        self.ids.keypad.clear()

    def submit(self) -> None:
        pin = self.ids.keypad.value
        self.ids.keypad.clear()
        if not pin:
            self.message = tr._("Type the admin PIN")
            return
        admin = self.kit.services.admin
        self.kit.worker.submit(lambda: admin.verify_pin(pin), self._checked, self._failed)

    def _checked(self, check: PinCheck) -> None:
        if check.ok:
            self.kit.nav.go("admin")
        elif check.admin_unlock:
            self.message = tr._("Too many wrong PINs in a row. Locked until unlocked with `kiosk admin unlock-admin`.")
        elif check.locked_until:
            self.message = tr._("Too many wrong PINs. Locked until {time}.").format(time=self.kit.local_time(check.locked_until))
        else:
            self.message = tr._("Wrong PIN. {n} tries left.").format(n=check.tries_left)

    def _failed(self, exc: BaseException) -> None:
        self.message = str(exc)
