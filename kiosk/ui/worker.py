"""Runs service calls off the Kivy thread and hands results back to it.

The screens never wait on the database, the network or the camera: they submit a job
here and get a callback on the Kivy thread (via Clock.schedule_once) when it is done.
One thread keeps store writes in order (the store has one writer).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class UiWorker:
    def __init__(self, name: str = "ui-worker") -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], Done | None, Failed | None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.busy_since: float | None = None

    def submit(self, job: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> None:
        self._jobs.put((job, on_done, on_error))

    def pending(self) -> int:
        return self._jobs.qsize()

    def idle(self) -> bool:
        """No job queued or running (answers may still be on their way to the Kivy thread)."""
        return self._jobs.unfinished_tasks == 0

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                self._jobs.task_done()
                return
            job, on_done, on_error = item
            self.busy_since = time.monotonic()
            try:
                result = job()
            except BaseException as exc:  # noqa: BLE001 - any failure goes back to the screen
                log.exception("background job failed")
                if on_error is not None:
                    Clock.schedule_once(lambda _dt, e=exc, f=on_error: f(e))
            else:
                if on_done is not None:
                    Clock.schedule_once(lambda _dt, r=result, f=on_done: f(r))
            finally:
                self.busy_since = None
                self._jobs.task_done()
