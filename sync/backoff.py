"""Retry delays: exponential backoff with full jitter, capped, honouring Retry-After.

Full jitter (a uniform delay between 0 and the exponential ceiling) spreads a fleet of
kiosks that lost the server at the same moment, so they do not all come back at once.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sync.protocol.clock import utc_now

# A server may ask us to wait longer than our own cap; we honour it up to this.
RETRY_AFTER_MAX_S = 3600.0


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 300.0

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s <= 0:
            raise ValueError(f"backoff delays must be positive (base {self.base_s}, cap {self.cap_s})")

    def ceiling(self, attempt: int) -> float:
        """The largest delay for the n-th consecutive failure (n >= 1)."""
        exp = min(max(attempt, 1) - 1, 60)  # 2**60 is already far past any cap
        return float(min(self.cap_s, self.base_s * (2**exp)))

    def delay(
        self, attempt: int, retry_after_s: float | None = None, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait before the next try; never less than the server's Retry-After."""
        jittered = rng() * self.ceiling(attempt)
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
    now = now or utc_now()
    return max((when - now).total_seconds(), 0.0)
