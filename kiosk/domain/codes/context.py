"""What a verification needs besides the payload: trust, time, the platform checker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kiosk.domain.codes.trust import TrustStore
from kiosk.domain.models import CodeChecker


@dataclass(frozen=True)
class VerifyContext:
    trust: TrustStore
    at: datetime | None = None  # validation time; None = now
    checker: CodeChecker | None = None  # online platform check; None = offline
    cn_token_patterns: tuple[str, ...] = ()  # regexes, each optionally "NNNNNN:" region-prefixed
    # Seconds a code may look "issued in the future" (the kiosk clock may lag the issuer's);
    # never applied to expiry. Conformance runs with 0.
    leeway_s: int = 0

    def now(self) -> datetime:
        at = self.at or datetime.now(UTC)
        # A naive time is taken as UTC rather than compared against aware times and crash.
        return at if at.tzinfo else at.replace(tzinfo=UTC)
