"""What each step of a gate pass works with: the parts GateService holds, named once.

The steps (gate_check.py, gate_admit.py, gate_overrides.py) take the service as GateParts,
so they read the same store, settings and clock as it does without importing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from kiosk.domain.models import CodeChecker, VerificationResult
from kiosk.domain.policy import PolicyTable
from kiosk.domain.temperature import Rules
from kiosk.service.duty import DutyRoster
from kiosk.service.modes import ModeInfo
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.protocol.clock import Clock

# The code verifier: never raises (a broken one is caught by the check step all the same).
Verify = Callable[[str], VerificationResult]


class GateParts(Protocol):
    store: Store
    vault: Vault
    cfg: Mapping[str, Any]
    duty: DutyRoster
    table: PolicyTable
    rules: Rules
    tz: str
    clock: Clock
    verify: Verify
    checker: CodeChecker | None  # the online check by ID number (None = offline)

    def mode(self) -> ModeInfo: ...
