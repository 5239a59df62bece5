"""Request signing: each device signs every request with its own secret (HMAC-SHA256).

String to sign (lines joined by "\n"):
    KIOSK-HMAC-SHA256-V1, METHOD, path (with "?query" if any), timestamp (unix seconds),
    nonce, hex SHA-256 of the body bytes exactly as sent (gzip bytes for batches), device id.
The server rejects a timestamp outside the clock window and a nonce it has already seen.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sync.protocol.errors import AuthRefused, ErrorCode, ProtocolError

SCHEME = "KIOSK-HMAC-SHA256-V1"
H_DEVICE = "X-Kiosk-Device"
H_TIMESTAMP = "X-Kiosk-Timestamp"
H_NONCE = "X-Kiosk-Nonce"
H_DIGEST = "X-Kiosk-Content-SHA256"
H_SIGNATURE = "X-Kiosk-Signature"
H_SERVER_TIME = "X-Server-Time"  # on every response: the server's UTC time (ISO 8601)
AUTH_HEADERS = (H_DEVICE, H_TIMESTAMP, H_NONCE, H_DIGEST, H_SIGNATURE)

DEFAULT_CLOCK_WINDOW_S = 300
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")  # ASCII digits only: str.isdigit() also takes "²"
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_DEVICE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def new_device_secret() -> str:
    """32 random bytes, base64url without padding: what `device_secret` carries."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def secret_bytes(secret: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    except ValueError as exc:
        raise ValueError("the device secret is not base64url") from exc
    if len(raw) < 32:
        raise ValueError("the device secret must carry at least 32 bytes")
    return raw


def new_nonce() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, digest: str, device_id: str) -> bytes:
    return "\n".join([SCHEME, method.upper(), path, timestamp, nonce, digest, device_id]).encode("utf-8")


def _mac(secret: str, material: bytes) -> str:
    return hmac.new(secret_bytes(secret), material, hashlib.sha256).hexdigest()


def sign_request(
    device_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The five headers to add to a request. `now` is the (skew-corrected) unix time."""
    ts = str(int(time.time() if now is None else now))
    nonce = nonce or new_nonce()
    digest = body_digest(body)
    sig = _mac(secret, string_to_sign(method, path, ts, nonce, digest, device_id))
    return {H_DEVICE: device_id, H_TIMESTAMP: ts, H_NONCE: nonce, H_DIGEST: digest, H_SIGNATURE: sig}


@dataclass(frozen=True)
class SignedHeaders:
    device_id: str
    timestamp: int
    nonce: str
    digest: str
    signature: str


def read_auth_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """Pull and shape-check the auth headers (case-insensitive mapping expected). 401 when absent."""
    missing = [h for h in AUTH_HEADERS if not headers.get(h)]
    if missing:
        raise ProtocolError(401, ErrorCode.UNSIGNED, f"the request is not signed: missing header(s) {', '.join(missing)}")
    device_id, ts, nonce = headers[H_DEVICE], headers[H_TIMESTAMP], headers[H_NONCE]
    digest, sig = headers[H_DIGEST].lower(), headers[H_SIGNATURE].lower()
    if not _DEVICE_RE.match(device_id):
        raise ProtocolError(401, ErrorCode.UNSIGNED, f"{H_DEVICE} must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    if not _TIMESTAMP_RE.match(ts):
        raise ProtocolError(401, ErrorCode.UNSIGNED, f"{H_TIMESTAMP} must be whole unix seconds, got {ts[:20]!r}")
    if not _NONCE_RE.match(nonce):
        raise ProtocolError(401, ErrorCode.UNSIGNED, f"{H_NONCE} must be 16-64 characters of A-Z a-z 0-9 _ -")
    if not _HEX64_RE.match(digest) or not _HEX64_RE.match(sig):
        raise ProtocolError(401, ErrorCode.UNSIGNED, f"{H_DIGEST} and {H_SIGNATURE} must be 64 hex digits")
    return SignedHeaders(device_id, int(ts), nonce, digest, sig)


def check_timestamp(signed: SignedHeaders, now: float, window_s: int = DEFAULT_CLOCK_WINDOW_S) -> None:
    skew = signed.timestamp - now
    if abs(skew) > window_s:
        raise ProtocolError(
            401,
            ErrorCode.STALE_TIMESTAMP,
            f"the request timestamp is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the server clock "
            f"(allowed: {window_s} s); correct the clock offset with server_time and retry",
            {"server_time_unix": now, "skew_s": round(skew, 3), "window_s": window_s},
        )


def verify_signature(signed: SignedHeaders, secret: str, method: str, path: str, body: bytes) -> None:
    """Body digest first (cheap, precise message), then the HMAC in constant time."""
    if body_digest(body) != signed.digest:
        raise ProtocolError(400, ErrorCode.DIGEST_MISMATCH, f"{H_DIGEST} does not match the body as received")
    expected = _mac(secret, string_to_sign(method, path, str(signed.timestamp), signed.nonce, signed.digest, signed.device_id))
    if not hmac.compare_digest(expected, signed.signature):
        raise AuthRefused(ErrorCode.BAD_SIGNATURE, "the request signature does not match (wrong secret, or the request was altered)")
