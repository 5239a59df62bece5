"""Small things every use-case shares: the clock and input errors (kiosk_state: kiosk.store.state)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from kiosk.domain.identity import FieldError

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(at: dt.datetime) -> str:
    """UTC ISO 8601 with microseconds, the form every stored time uses (sorts as text)."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


class InvalidInput(ValueError):
    """What a person typed is wrong; nothing was written. One message per field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def by_field(self) -> dict[str, FieldError]:
        return {e.field: e for e in self.errors}

