"""The states of an outbox row, named once (sync/outbox.py moves rows between them).

A StrEnum, so each member is the very text the `outbox.state` column holds and binds as a
SQL parameter as it is. Standard library only: the doctor and the screens import it cheaply.
"""

from __future__ import annotations

import enum


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting to go (maybe backing off until next_attempt_at)
    CLAIMED = "claimed"  # in a batch on its way now
    SENT = "sent"  # the server holds it
    FAILED = "failed"  # parked: the server refused it as it is; kept for the admin


# Not on the server yet and still going by itself (a parked row waits for the admin).
WAITING = (OutboxState.PENDING, OutboxState.CLAIMED)
