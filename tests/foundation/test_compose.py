"""The composition root (kiosk.commands.compose) builds a typed, frozen Services outside the UI;
the App starts and stops it in the old order; screens never look services up on the running App."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import dataclasses, json, sys
from kiosk.config import load_config
from kiosk.store.db import open_store
from kiosk.commands.compose import build_services

cfg = load_config(env={"KIOSK_STORE_DATA_DIR": sys.argv[1], "KIOSK_CAMERA_KIND": "none", "KIOSK_THERMOMETER_KIND": "fake"})
store = open_store(cfg.db_path)
full, bare = build_services(cfg, store), build_services(cfg, store, with_sync=False, with_devices=False)
try:
    full.sync = None
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
kinds = lambda s: {f.name: type(getattr(s, f.name)).__name__ for f in dataclasses.fields(s)}
out = {"kivy": "kivy" in sys.modules, "frozen": frozen, "full": kinds(full), "bare": kinds(bare),
       "frames": type(full.frames).__name__, "bare_frames": bare.frames is None,
       "pending": full.status.snapshot().pending_uploads}
full.stop()
store.close()
print(json.dumps(out))
"""


def test_services_are_built_typed_and_frozen_without_importing_kivy(tmp_path: Path) -> None:
    """`kiosk run` builds them before the window opens: nothing in them may import Kivy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "data")], capture_output=True, text=True,
                          env=env, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["kivy"] is False
    assert got["frozen"] is True
    assert got["full"] == {"gate": "GateAdapter", "duty": "DutyAdapter", "status": "StatusAdapter", "admin": "AdminAdapter",
                           "devices": "DeviceHub", "thermometer": "ThermometerFeed",
                           "sync": "NoneType"}  # not provisioned: the kiosk works offline
    assert got["bare"]["devices"] == got["bare"]["thermometer"] == got["bare"]["sync"] == "NoneType"
    assert got["frames"] == "_LazyFrames" and got["bare_frames"] is True
    assert got["pending"] == 0


class Recorder:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def __getattr__(self, method: str) -> object:
        return lambda *_a, **_k: self.calls.append(f"{self.name}.{method}")


def test_start_and_stop_keep_the_order_the_app_had() -> None:
    """Sync worker before the devices; devices stopped first (no new codes), then the worker,
    then the thermometer's port."""
    from kiosk.ui.services import Services

    calls: list[str] = []
    ports = {name: Recorder(name, calls) for name in ("gate", "duty", "status", "admin")}
    services = Services(**ports, devices=Recorder("devices", calls), thermometer=Recorder("thermometer", calls),  # type: ignore[arg-type]
                        sync=Recorder("sync", calls))
    services.start(lambda _t, _s: None, lambda _c: None)
    assert calls == ["sync.start", "devices.start"]
    calls.clear()
    services.stop()
    assert calls == ["devices.stop", "sync.stop", "thermometer.close"]
    calls.clear()
    Services(**ports).stop()  # type: ignore[arg-type]
    assert calls == []


SCREENS = REPO / "kiosk" / "ui" / "screens"
# what a screen used to fetch from the running App: the services and the parts around them
APP_SERVICES = re.compile(r"\bapp\.(services|gate|duty|status|admin|worker|flow|nav|sounds|tz|refresh_status|local_time)\b")


@pytest.mark.parametrize("path", sorted(SCREENS.glob("*.py")) + sorted(SCREENS.glob("*.kv")), ids=lambda p: p.name)
def test_screens_get_their_services_by_constructor_not_from_the_running_app(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "get_running_app" not in text
    assert not APP_SERVICES.findall(text), f"{path.name} reaches the App for {APP_SERVICES.findall(text)}"


def test_adapters_take_typed_parts_not_any() -> None:
    from kiosk.ui.adapters import admin, camera, duty_status, gate, thermo

    classes = (admin.AdminAdapter, camera.DeviceHub, camera.CameraFrames, duty_status.DutyAdapter,
               duty_status.StatusAdapter, gate.GateAdapter, thermo.ThermometerFeed)
    for cls in classes:
        for name, param in inspect.signature(cls.__init__).parameters.items():
            if name in ("self", "kwargs"):
                continue
            assert param.annotation is not inspect.Parameter.empty, f"{cls.__name__}({name}) has no type"
            assert not re.fullmatch(r"Any( \| None)?", str(param.annotation)), f"{cls.__name__}({name}: Any)"
