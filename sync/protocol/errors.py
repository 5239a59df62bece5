"""Protocol errors: one machine-readable code, one HTTP status and a message a person can act on."""

from __future__ import annotations

import enum
from typing import Any


class ErrorCode(enum.StrEnum):
    """Every `error.code` the server sends. Clients decide retry/park from the status, not the text."""

    UNSIGNED = "unsigned"  # 401: authentication headers missing
    UNAUTHENTICATED = "unauthenticated"  # 401: what the client sees for both of the next two
    UNKNOWN_DEVICE = "unknown-device"  # server log only: device id not enrolled
    BAD_SIGNATURE = "bad-signature"  # server log only: HMAC does not match
    DEVICE_REVOKED = "device-revoked"  # 403: a correctly signed request from a revoked device: permanent
    ALREADY_ENROLLED = "already-enrolled"  # 409: the code's device id is enrolled already
    STALE_TIMESTAMP = "stale-timestamp"  # 401: outside the clock window; details carry server_time
    REPLAYED = "replayed"  # 401: nonce already seen inside the window
    DIGEST_MISMATCH = "digest-mismatch"  # 400: X-Kiosk-Content-SHA256 is not the body's digest
    MALFORMED = "malformed"  # 400: not gzip / not UTF-8 / not JSON
    INVALID = "invalid"  # 422: JSON of the wrong shape or types; details list the fields
    TOO_LARGE = "too-large"  # 413: body or record count over the limit; details carry the limits
    UNSUPPORTED_MEDIA = "unsupported-media"  # 415: wrong Content-Type / Content-Encoding
    DEVICE_MISMATCH = "device-mismatch"  # 403: envelope names another device than the signer
    IDEMPOTENCY_CONFLICT = "idempotency-conflict"  # 422: batch id reused with a different body
    ENROLL_CODE_INVALID = "enroll-code-invalid"  # 403: unknown, used or expired enrolment code
    NOT_FOUND = "not-found"  # 404
    METHOD_NOT_ALLOWED = "method-not-allowed"  # 405
    REQUEST_TIMEOUT = "request-timeout"  # 408: the body did not arrive within the server's deadline
    RATE_LIMITED = "rate-limited"  # 429 (with Retry-After)
    UNAVAILABLE = "unavailable"  # 503 (with Retry-After)
    SERVER_ERROR = "server-error"  # 500


class ProtocolError(Exception):
    """Raised by the parsers and the signature check; the server turns it into an error response."""

    def __init__(self, status: int, code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}

    def to_json(self) -> dict[str, Any]:
        """The error response body: {"error": {"code", "message", "details"}}."""
        return {"error": {"code": str(self.code), "message": self.message, "details": self.details}}


class AuthRefused(ProtocolError):
    """A 401 whose answer does not say whether the device is unknown or the signature wrong (so a
    prober learns nothing about which ids exist); `code` and `message` keep the truth for the log."""

    PUBLIC_MESSAGE = "the request is not from an enrolled device or its signature does not match; check this kiosk's credentials (kiosk provision)"

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(401, code, message)

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": str(ErrorCode.UNAUTHENTICATED), "message": self.PUBLIC_MESSAGE, "details": {}}}


class BundleError(Exception):
    """A bundle that fails its signature or shape check; the kiosk must not apply it."""
