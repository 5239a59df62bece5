"""What the kiosk's App is handed: the ports the screens call and the parts that run beside them.

`kiosk run`, `kiosk demo`, the UI tests and the benchmark build one with
kiosk.commands.compose.build_services; the App only starts it, stops it and hands each
screen what it needs (kiosk/ui/screens/kit.py). Nothing here imports Kivy.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.ui.ports import (
    AdminPort,
    BackgroundJob,
    DutyPort,
    FrameSource,
    GatePort,
    InputDevices,
    OnCard,
    OnCode,
    StatusPort,
    TemperatureFeed,
)


@dataclass(frozen=True)
class Services:
    gate: GatePort
    duty: DutyPort
    status: StatusPort
    admin: AdminPort
    devices: InputDevices | None = None  # None: no camera, scanner or card reader (codes come some other way)
    thermometer: TemperatureFeed | None = None  # None: the guard types every temperature
    sync: BackgroundJob | None = None  # the sync worker; None: not provisioned, the kiosk works offline

    @property
    def frames(self) -> FrameSource | None:
        """The preview's camera frames, if there are devices."""
        return self.devices.frames if self.devices is not None else None

    def start(self, on_code: OnCode, on_card: OnCard) -> None:
        """The sync worker, then the devices; codes and cards come to the callbacks on device threads."""
        if self.sync is not None:
            self.sync.start()
        if self.devices is not None:
            self.devices.start(on_code, on_card)

    def stop(self) -> None:
        """The devices first (no new codes), then the sync worker, then the thermometer's port."""
        if self.devices is not None:
            self.devices.stop()
        if self.sync is not None:
            self.sync.stop()
        if self.thermometer is not None:
            self.thermometer.close()
