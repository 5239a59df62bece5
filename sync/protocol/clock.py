"""The one clock: the current UTC time, and UTC times as the ISO 8601 text both ends store and send.

Standard library only, so the kiosk (store, services, sync client) and the server may all import it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

# What every service and the outbox take as `clock`, so tests can set the time.
Clock = Callable[[], datetime]
Timespec = Literal["seconds", "milliseconds", "microseconds"]


def utc_now() -> datetime:
    """Now, timezone-aware in UTC (the default `clock` every service takes)."""
    return datetime.now(UTC)


def utc_iso(at: datetime | None = None, timespec: Timespec = "microseconds") -> str:
    """`at` (now if omitted) in UTC as ISO 8601. Stored times use microseconds: same length, so
    they sort as text."""
    return (utc_now() if at is None else at).astimezone(UTC).isoformat(timespec=timespec)


def utc_now_iso() -> str:
    """Now as the protocol writes it on the wire (a batch's sent_at, the server-time header): milliseconds."""
    return utc_iso(timespec="milliseconds")
