"""Where every code enters the kiosk: camera, keyboard-wedge and serial scanners alike.

`Deduper` is the pure rule: a payload seen again before it has been out of sight for
`window_s` seconds is a repeat (a phone held in front of the camera for five seconds is
one pass); a different payload is new at once. `CodeFeed` applies it across all sources
(a code read by the hand scanner and the camera together counts once) and calls the
consumer. Callbacks run on the thread that found the code: the UI re-schedules them
onto the Kivy thread with Clock.schedule_once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

OnCode = Callable[[str, str], None]  # (payload, origin: "camera" | "wedge" | "serial")
MAX_PAYLOAD_CHARS = 7089  # the most a QR code (version 40, numeric) can hold


class Deduper:
    """Pure: decides whether a payload is new, given the time it was seen."""

    def __init__(self, window_s: float) -> None:
        if window_s < 0:
            raise ValueError(f"duplicate window must be >= 0 s, got {window_s}")
        self.window_s = window_s
        self._last_seen: dict[str, float] = {}

    def is_new(self, payload: str, now: float) -> bool:
        """Record a sighting at `now`; True when it should be processed."""
        last = self._last_seen.get(payload)
        self._last_seen[payload] = now
        if len(self._last_seen) > 256:  # forget codes long out of sight
            self._last_seen = {p: t for p, t in self._last_seen.items() if now - t <= self.window_s}
        return last is None or now - last > self.window_s

    def forget(self, payload: str | None = None) -> None:
        """Let a payload (or all) count as new next time, e.g. after the guard cancels a pass."""
        if payload is None:
            self._last_seen.clear()
        else:
            self._last_seen.pop(payload, None)


class CodeFeed:
    """Thread-safe entry for codes from any source, with the duplicate window applied."""

    def __init__(self, on_code: OnCode, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._on_code = on_code
        self._dedupe = Deduper(window_s)
        self._clock = clock
        self._lock = threading.Lock()
        self.accepted = 0
        self.repeats = 0
        self.rejected = 0

    def offer(self, payload: str, origin: str) -> bool:
        """Hand a payload in; True when it was passed on to the consumer."""
        if not payload or len(payload) > MAX_PAYLOAD_CHARS or "\x00" in payload:
            with self._lock:
                self.rejected += 1
            log.warning("ignored a %s read of %d characters: empty, too long or with a NUL byte", origin, len(payload))
            return False
        with self._lock:
            if not self._dedupe.is_new(payload, self._clock()):
                self.repeats += 1
                return False
            self.accepted += 1
        try:
            self._on_code(payload, origin)
        except Exception:  # the consumer's bug must not kill the camera or scanner thread
            log.exception("the code consumer failed on a %s code", origin)
        return True

    def forget(self, payload: str | None = None) -> None:
        with self._lock:
            self._dedupe.forget(payload)
