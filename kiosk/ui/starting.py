"""`kiosk demo`'s start-up: the window opens at once on the StartingScreen while the demo is
prepared on a thread, the terminal shows the same steps as a rich progress bar, and then the
same window turns into the kiosk (KioskApp's own build, with the prepared settings and the
services the demo command builds for them)."""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kivy.clock import Clock
from kivy.core.text import LabelBase
from kivy.core.window import Window
from kivy.lang import Builder

from kiosk.ui.app import UI_DIR, cjk_font
from kiosk.ui.kiosk_app import KioskApp, load_kv
from kiosk.ui.lang import tr
from kiosk.ui.screens.starting import StartingScreen
from kiosk.ui.services import Services
from kiosk.ui.theme import theme

Step = tuple[str, str, float]  # (key, words for the terminal, share of the whole)
OnStep = Callable[[str, float], None]


class Closable(Protocol):
    def close(self) -> None: ...


# The prepared settings -> the kiosk's store (closed when the App stops) and its services.
OpenKiosk = Callable[[Any], tuple[Closable, Services]]


class TerminalProgress:
    """The start-up's steps as one rich progress bar in the terminal."""

    def __init__(self, steps: Sequence[Step], console: Any = None) -> None:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        self.steps = list(steps)
        self.bar = Progress(TextColumn("{task.description:<40}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                            console=console)
        self.task = self.bar.add_task("kiosk demo", total=1.0)
        self.lock = threading.Lock()

    def update(self, step: str, done: float) -> None:
        words = next((w for k, w, _ in self.steps if k == step), step)
        with self.lock:
            self.bar.update(self.task, completed=overall(self.steps, step, done), description=words)

    def __enter__(self) -> TerminalProgress:
        self.bar.start()
        return self

    def close(self) -> None:
        with self.lock:
            if self.bar.live.is_started:
                self.bar.update(self.task, completed=1.0, description="ready")
                self.bar.stop()

    def __exit__(self, *_exc: Any) -> None:
        self.close()


@contextlib.contextmanager
def terminal_progress(steps: Sequence[Step], console: Any = None) -> Iterator[TerminalProgress]:
    with TerminalProgress(steps, console) as term:
        yield term


def overall(steps: Sequence[Step], step: str, done: float) -> float:
    before = 0.0
    for key, _words, share in steps:
        if key == step:
            return before + share * max(0.0, min(1.0, done))
        before += share
    return before


class StartingKioskApp(KioskApp):
    """KioskApp that first shows the start-up screen, runs `work(on_step) -> settings` on a
    thread, then builds the kiosk with the settings it returned and what `open_kiosk` opens for them."""

    def __init__(self, cfg: Any, work: Callable[[OnStep], Any], steps: Sequence[Step], open_kiosk: OpenKiosk,
                 also: TerminalProgress | None = None, **kwargs: Any) -> None:
        super().__init__(cfg, None, **kwargs)
        self._work, self._steps, self._open_kiosk, self._also = work, list(steps), open_kiosk, also
        self.store: Closable | None = None
        self.failed: str | None = None
        self.starting: StartingScreen | None = None
        self.kiosk_open = False

    def build(self) -> Any:
        LabelBase.register(name="CJK", fn_regular=cjk_font())
        load_kv()
        Builder.load_file(str(UI_DIR / "screens" / "starting.kv"))
        theme.elderly_scale = self.cfg["ui.elderly_scale"]
        theme.elderly = self.cfg["ui.elderly_mode"]
        tr.switch(self.cfg["kiosk.language"])
        self.starting = StartingScreen([k for k, _w, _s in self._steps])
        return self.starting

    def on_start(self) -> None:
        threading.Thread(target=self._prepare, name="demo-start", daemon=True).start()

    def _step(self, step: str, done: float) -> None:
        """From the start-up thread: the terminal now, the screen on the Kivy thread."""
        if self._also is not None:
            self._also.update(step, done)
        share = overall(self._steps, step, done)
        Clock.schedule_once(lambda _dt: self.starting.show(step, done, share) if self.starting else None)

    def _prepare(self) -> None:
        try:
            kiosk_cfg = self._work(self._step)
        except Exception as exc:  # noqa: BLE001 - shown on the screen and in the terminal
            self.failed = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            Clock.schedule_once(lambda _dt: self.starting.fail(self.failed or "") if self.starting else None)
            return
        finally:
            if self._also is not None:
                self._also.close()
        Clock.schedule_once(lambda _dt: self._open(kiosk_cfg))

    def _open(self, kiosk_cfg: Any) -> None:
        """Kivy thread: the same window becomes the kiosk."""
        self.cfg, self.tz = kiosk_cfg, ZoneInfo(kiosk_cfg["kiosk.timezone"])
        self.store, self._services = self._open_kiosk(kiosk_cfg)
        old: Any = getattr(self, "root")  # noqa: B009 - App.root has no type Kivy declares
        root = KioskApp.build(self)
        Window.remove_widget(old)
        self.root = root
        Window.add_widget(root)
        self.starting = None
        self.kiosk_open = True
        KioskApp.on_start(self)

    def on_stop(self) -> None:
        if self.kiosk_open:
            KioskApp.on_stop(self)
        if self.store is not None:
            self.store.close()
