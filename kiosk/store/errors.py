"""Errors the store raises; each message says what happened and what was (not) saved."""

from __future__ import annotations


class StoreError(RuntimeError):
    """Base class: the operation did not happen; nothing half-written remains."""


class StoreLocked(StoreError):
    pass


class StoreCorrupt(StoreError):
    pass


class StoreFull(StoreError):
    pass


class StoreTooNew(StoreError):
    pass
