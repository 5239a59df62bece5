"""Drives the real kiosk App in a real window (under Xvfb) with touch events.

Kivy runs one App per process, so each UI test runs `python -m tests.ui.driver SCENARIO
DATA_DIR SHOTS_DIR [KEY=VALUE ...]` in its own subprocess (tests/ui/conftest.py). The
scenario (in tests/ui/scenarios/) is plain sequential code on a helper thread; every
touch and every look at a widget is done on the Kivy thread through `Driver.call`.
Touches are real MotionEvents dispatched through Kivy's event loop at the widget's
position in the window, as a finger on the screen would be.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")


class ScenarioFailed(AssertionError):
    pass


class Driver:
    def __init__(self, app: Any, shots: Path) -> None:
        self.app = app
        self.shots = shots
        self.shots.mkdir(parents=True, exist_ok=True)
        self.saved: list[str] = []

    # --- running things on the Kivy thread -----------------------------------
    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        from kivy.clock import Clock

        done = threading.Event()
        box: dict[str, Any] = {}

        def run(_dt: float) -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - re-raised on the scenario thread
                box["error"] = exc
            done.set()

        Clock.schedule_once(run)
        if not done.wait(timeout):
            raise ScenarioFailed(f"the Kivy thread did not run a step within {timeout} s (UI frozen?)")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def wait_until(self, cond: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(cond)
            if value:
                return value
            if time.monotonic() > deadline:
                raise ScenarioFailed(f"timed out after {timeout} s waiting for {what or cond}")
            time.sleep(0.05)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until the UI worker has finished every job (and its answer reached the screen)."""
        self.wait_until(self.app.worker.idle, timeout, "the UI worker to finish")
        self.settle(3)

    def settle(self, frames: int = 3) -> None:
        """Let Kivy lay out and draw a few frames."""
        for _ in range(frames):
            self.call(lambda: None)

    # --- what the screens show ------------------------------------------------
    def screen(self, name: str | None = None) -> Any:
        return self.app.nav.ensure(name) if name else self.app.root.current_screen

    def current(self) -> str:
        return str(self.call(lambda: self.app.root.current))

    def wait_screen(self, name: str, timeout: float = 10.0) -> None:
        self.wait_until(lambda: self.app.root.current == name, timeout, f"screen {name!r} (now {self.current()!r})")
        self.settle()

    def widget(self, screen: str, *path: str) -> Any:
        """A widget by id chain: widget("visitor", "f_name", "input")."""
        w = self.screen(screen)
        for part in path:
            w = w.ids[part] if part in getattr(w, "ids", {}) else getattr(w, part)
        return getattr(w, "__self__", w)  # kv ids are weak proxies: hand out the widget itself

    # --- touching -------------------------------------------------------------
    def tap(self, widget_or_path: Any, *path: str) -> None:
        """Touch down and up at the centre of a widget, as a finger would."""

        def do() -> None:
            w = self.widget(widget_or_path, *path) if isinstance(widget_or_path, str) else widget_or_path
            self._touch(w)

        # The touch is queued now and dispatched in this same frame, after the Clock
        # callbacks; the next step (a Clock callback too) therefore sees its effect.
        self.call(do)

    def _touch(self, w: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        if w.get_root_window() is None:
            raise ScenarioFailed(f"{w} is not on screen")
        if getattr(w, "disabled", False):
            raise ScenarioFailed(f"{w} is disabled")
        x, y = w.to_window(*w.center)
        if not visible_at(w, x, y):
            raise ScenarioFailed(f"{w} is scrolled out of sight: a finger could not touch it")
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()

    def tap_text(self, screen: str, text: str) -> None:
        """Touch the button showing `text` (e.g. a key of the on-screen keyboard)."""
        from kivy.uix.button import Button

        def find_and_touch() -> bool:
            for w in self.screen(screen).walk():
                if isinstance(w, Button) and w.text == text and w.get_root_window() is not None and not w.disabled:
                    self._touch(w)
                    return True
            return False

        deadline = time.monotonic() + 5
        while not self.call(find_and_touch):
            if time.monotonic() > deadline:
                raise ScenarioFailed(f"no button {text!r} on {screen}")
            time.sleep(0.05)

    def scroll_into_view(self, screen: str, *path: str) -> None:
        """Drag the surrounding scroll view until the widget shows (as a finger would)."""
        from kivy.uix.scrollview import ScrollView

        from kiosk.ui.screens.form_base import ancestor

        def do() -> None:
            w = self.widget(screen, *path)
            p = ancestor(w, ScrollView)
            if p is not None:
                p.scroll_to(w, padding=10, animate=False)

        self.call(do)
        self.settle(3)

    def type_on_keypad(self, screen: str, keypad_id: str, text: str) -> None:
        for ch in text:
            self.tap_text(screen, ch)
        got = self.call(lambda: self.widget(screen, keypad_id).value)
        if got != text:
            raise ScenarioFailed(f"keypad shows {got!r}, typed {text!r}")

    # --- evidence ---------------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        from kivy.core.window import Window

        self.settle(3)
        target = self.shots / f"{name}.png"
        made = self.call(lambda: Window.screenshot(name=str(self.shots / f"{name}-tmp.png")))
        os.replace(made, target)
        self.saved.append(str(target))
        return target


def visible_at(w: Any, x: float, y: float) -> bool:
    """Is the window point (x, y) inside the window and every scroll view around `w`?"""
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    if not (0 <= x < Window.width and 0 <= y < Window.height):
        return False
    p = w.parent
    while p is not None and p is not p.parent:
        if isinstance(p, ScrollView):
            if not p.collide_point(*p.parent.to_widget(x, y)):  # in the space where p.pos lives
                return False
        p = p.parent
    return True


def main(argv: list[str]) -> int:
    scenario_name, data_dir, shots = argv[0], Path(argv[1]), Path(argv[2])
    overrides = dict(a.split("=", 1) for a in argv[3:])
    env = {"KIOSK_STORE_DATA_DIR": str(data_dir), "KIOSK_CAMERA_KIND": "none", **overrides}
    from kiosk.config import load_config
    from kiosk.store.db import open_store
    from kiosk.ui.app import prepare_kivy

    cfg = load_config(env={k: v for k, v in env.items() if k.startswith("KIOSK_")})
    prepare_kivy(cfg)
    from kivy.config import Config as KivyConfig

    if not cfg["ui.fullscreen"]:  # full screen takes the display's own size
        width, height = overrides.get("WINDOW", "1280x800").split("x")
        KivyConfig.set("graphics", "width", width)
        KivyConfig.set("graphics", "height", height)
    # Kivy's touch helper imports pytest (and pygments): 1-2 s on the Kivy thread at the first tap, which
    # once froze the window in the middle of the responsiveness scenario. Loaded here, before the window.
    import kivy.tests.common  # noqa: F401

    from tests.ui import scenarios

    scenario = getattr(scenarios, scenario_name)
    store = open_store(cfg.db_path)
    setup = getattr(scenarios, f"setup_{scenario_name}", None)
    ctx: dict[str, Any] = {}
    if setup is not None:
        cfg, ctx = setup(cfg, store, shots)
    services = scenarios.services_for(cfg, store, ctx)
    from kiosk.ui.kiosk_app import KioskApp

    app = KioskApp(cfg, services)
    from kivy.clock import Clock as KivyClock

    # which Kivy clock the kiosk runs on (an interrupting one: a hand-over from a device thread wakes it)
    result: dict[str, Any] = {"scenario": scenario_name, "clock": type(object.__getattribute__(KivyClock, "_obj")).__name__}

    def run_scenario() -> None:
        driver = Driver(app, shots)
        try:
            driver.wait_until(lambda: app.root is not None and app.ready_at is not None, 20, "the app to start")
            facts = scenario(driver, cfg, store, ctx) or {}
            result.update(ok=True, facts=facts)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            result.update(ok=False, error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
            try:
                driver.screenshot(f"{scenario_name}-FAILED")
            except BaseException:  # noqa: BLE001
                pass
        result["screenshots"] = driver.saved
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.stop())

    threading.Thread(target=run_scenario, name="scenario", daemon=True).start()
    try:
        app.run()
    except BaseException as exc:  # noqa: BLE001 - a crash of the App itself is the test's failure
        result.update(ok=False, error=f"the app crashed: {type(exc).__name__}: {exc}", trace=traceback.format_exc())
    finally:
        store.close()
    (shots / f"{scenario_name}.result.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
