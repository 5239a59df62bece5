"""The states of an alert-lane row, named once (sync/alert_lane.py moves rows between them).

A StrEnum like OutboxState: each member is the very text the `alert_lane.state` column holds
and binds as a SQL parameter as it is.
"""

from __future__ import annotations

import enum


class LaneState(enum.StrEnum):
    PENDING = "pending"  # raised, not yet acknowledged by the server (retried each round)
    SENT = "sent"  # the server holds the alert
    FAILED = "failed"  # refused for good: the batch that carries the record still delivers it
