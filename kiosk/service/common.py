"""Small things every use-case shares: input errors, kiosk_state access (the clock: sync.protocol.clock)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiosk.domain.identity import FieldError


class InvalidInput(ValueError):
    """What a person typed is wrong; nothing was written. One message per field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def by_field(self) -> dict[str, FieldError]:
        return {e.field: e for e in self.errors}


def state_get(db: Any, key: str) -> tuple[str, str] | None:
    """(value, updated_at) of a kiosk_state key, or None."""
    row = db.execute("select value, updated_at from kiosk_state where key = ?", [key]).fetchone()
    return (row[0], row[1]) if row else None


def state_put(db: Any, key: str, value: str, at: str) -> None:
    db.execute("insert or replace into kiosk_state (key, value, updated_at) values (?, ?, ?)", [key, value, at])
