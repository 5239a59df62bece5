"""Small things every use-case shares: input errors (kiosk_state: kiosk.store.state; the clock: sync.protocol.clock)."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.domain.identity import FieldError


class InvalidInput(ValueError):
    """What a person typed is wrong; nothing was written. One message per field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def by_field(self) -> dict[str, FieldError]:
        return {e.field: e for e in self.errors}

