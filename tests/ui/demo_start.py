"""Runs `kiosk demo`'s App (kiosk.commands.demo.demo_app) in a real window and watches it:
when the window first shows the start-up screen, what it says on the way, when the idle
screen appears. `python -m tests.ui.demo_start DATA_DIR SHOTS_DIR PORT` writes
SHOTS_DIR/demo_start.result.json. Times are from the process start (before Kivy is imported)."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

T0 = time.perf_counter()
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")


def main(argv: list[str]) -> int:
    data_dir, shots, port = Path(argv[0]), Path(argv[1]), int(argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    from kiosk.config import load_config
    from kiosk.ui.app import prepare_kivy

    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(data_dir), "KIOSK_CAMERA_KIND": "none"})
    prepare_kivy(cfg)
    from kivy.config import Config as KivyConfig

    KivyConfig.set("graphics", "width", "1280")
    KivyConfig.set("graphics", "height", "800")
    from rich.console import Console

    from kiosk.commands.demo import STEPS, demo_app, stop_server
    from kiosk.ui.starting import TerminalProgress

    terminal = io.StringIO()
    term = TerminalProgress(STEPS, Console(file=terminal, force_terminal=True, width=120))
    term.__enter__()
    app, held = demo_app(cfg, port, term)
    result: dict[str, Any] = {"seen": [], "screenshots": []}

    def call(fn: Any) -> Any:
        from kivy.clock import Clock

        done, box = threading.Event(), {}
        Clock.schedule_once(lambda _dt: (box.__setitem__("v", fn()), done.set()))
        if not done.wait(10):
            raise AssertionError("the Kivy thread is stuck")
        return box.get("v")

    def shot(name: str) -> None:
        from kivy.core.window import Window

        for _ in range(3):
            call(lambda: None)
        target = shots / f"{name}.png"
        made = call(lambda: Window.screenshot(name=str(shots / f"{name}-tmp.png")))
        os.replace(made, target)
        result["screenshots"].append(str(target))

    def watch() -> None:
        try:
            while getattr(app, "root", None) is None or app.starting is None or not app.root.get_root_window():
                time.sleep(0.01)
            call(lambda: None)  # one frame drawn with the start-up screen
            result["window_s"] = time.perf_counter() - T0
            shot("demo-start-1-first")
            took_video = False
            while not app.kiosk_open and app.failed is None:
                seen = call(lambda: (app.starting.step, round(app.starting.progress, 3), list(app.starting.lines))
                            if app.starting is not None else None)
                if seen and (not result["seen"] or result["seen"][-1][:2] != list(seen[:2])):
                    result["seen"].append([seen[0], seen[1]])
                    result["lines"] = seen[2]
                if seen and "视频" in seen[0] and not took_video:
                    shot("demo-start-2-video")
                    took_video = True
                time.sleep(0.02)
            if app.failed:
                raise AssertionError(app.failed)
            deadline = time.monotonic() + 20
            while call(lambda: app.root.current if hasattr(app.root, "current") else "") != "idle":
                if time.monotonic() > deadline:
                    raise AssertionError("no idle screen after the start-up")
                time.sleep(0.02)
            result["idle_s"] = time.perf_counter() - T0
            result["bar"] = call(lambda: list(app.root.get_screen("idle").ids.keys())[:1])
            shot("demo-start-3-idle")
            result["ok"] = True
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            result.update(ok=False, error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
        finally:
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: app.stop())

    threading.Thread(target=watch, daemon=True).start()
    try:
        app.run()
    finally:
        term.close()
        stop_server(held)
    result["terminal"] = terminal.getvalue()
    (shots / "demo_start.result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
