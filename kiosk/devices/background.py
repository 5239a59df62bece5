"""One daemon thread per device loop: the camera's capture, a serial scanner's reader, the decode worker.

A subclass writes `_run`, looping until `self._stop` is set and pausing with `self._stop.wait(s)`
(never time.sleep), so `stop()` returns promptly.
"""

from __future__ import annotations

import threading
from typing import Self


class BackgroundLoop:
    def __init__(self, thread_name: str) -> None:
        self._thread_name = thread_name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        """Start the thread; a second call (also after stop) does nothing."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end and wait up to `timeout` seconds for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError
