"""Health-code verification: one `verify(payload, ctx)` for every format (see registry)."""

from kiosk.domain.codes.context import VerifyContext
from kiosk.domain.codes.registry import MAX_PAYLOAD_BYTES, detect, verify
from kiosk.domain.codes.trust import TrustError, TrustStore

__all__ = ["MAX_PAYLOAD_BYTES", "TrustError", "TrustStore", "VerifyContext", "detect", "verify"]
