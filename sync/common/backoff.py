"""Retry delays, one rule for every retry of both ends: exponential, capped; full jitter and
Retry-After for the kiosk's sync client. The kiosk reopens its camera and scanners by it, and the
central server retries its alert webhook by it (sync/server/alerts/notify.py).

After the n-th consecutive failure (n counted from 1) the wait is at most `ceiling(n)`: base_s,
doubling with each further failure, never above cap_s. A lost camera or scanner is reopened
after exactly that (`ceiling`). The sync client waits a uniform share of it (`delay`): full
jitter spreads a fleet of kiosks that lost the server at the same moment, so they do not all
come back at once; a server's Retry-After is a floor.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# A server may ask us to wait longer than our own cap; we honour it up to this.
RETRY_AFTER_MAX_S = 3600.0


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.base_s <= self.cap_s:
            raise ValueError(
                f"backoff delays must be positive, the first no longer than the cap (base {self.base_s}, cap {self.cap_s})"
            )

    def ceiling(self, failures: int) -> float:
        """The longest wait after `failures` consecutive failures (1 = the first; 0 counts as 1)."""
        exp = min(max(failures, 1) - 1, 60)  # 2**60 is already far past any cap
        return float(min(self.cap_s, self.base_s * (2**exp)))

    def delay(
        self, failures: int, retry_after_s: float | None = None, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait before the next try: jittered, never less than the server's Retry-After."""
        jittered = rng() * self.ceiling(failures)
        if retry_after_s is None:
            return jittered
        return max(jittered, min(max(retry_after_s, 0.0), RETRY_AFTER_MAX_S))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max((when - now).total_seconds(), 0.0)
