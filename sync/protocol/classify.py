"""What to do with a batch after an upload attempt.

2xx: acknowledged (the body says up to which seq). 429, 5xx, 408 and network errors:
retry later. 413: the batch is too big, split it. Any other 4xx: the server refuses the
batch as it is, so retrying cannot help; it is parked as failed, visible to the admin,
and never dropped.

Two refinements for 401, where the fault is the device and not the batch: a stale
timestamp or a replayed nonce is retried at once (after correcting the clock offset from
the server's time), and wrong or unknown credentials HOLD the upload — records stay
pending, nothing is parked, and the admin is told to provision the kiosk again.
A 403 `device-revoked` is final: the kiosk stops uploading and keeps its records (sync.revoked).

Part of the protocol because both ends read answers this way: the kiosk's uploader acts on
the verdict, the server's sync log shows each logged request in the same words.
"""

from __future__ import annotations

import enum


class Verdict(enum.StrEnum):
    ACK = "ack"
    RETRY = "retry"
    SPLIT = "split"
    PARK = "park"
    HOLD = "hold"
    REVOKED = "revoked"  # 403 device-revoked: permanent; stop uploading, keep every record


# 408 Request Timeout and 425 Too Early are transient by definition.
_TRANSIENT_4XX = frozenset({408, 425, 429})
_RETRYABLE_401 = frozenset({"stale-timestamp", "replayed"})


def classify(status: int | None, error_code: str | None = None) -> Verdict:
    """status None means no HTTP answer at all (refused, reset, timed out, TLS failure).

    error_code is the server's `error.code` (sync.protocol.ErrorCode), when it sent one.
    """
    if status is None:
        return Verdict.RETRY
    if 200 <= status < 300:
        return Verdict.ACK
    if status == 403 and error_code == "device-revoked":
        return Verdict.REVOKED
    if status == 413:
        return Verdict.SPLIT
    if status == 401:
        return Verdict.RETRY if error_code in _RETRYABLE_401 else Verdict.HOLD
    if status in _TRANSIENT_4XX or status >= 500:
        return Verdict.RETRY
    if 400 <= status < 500:
        return Verdict.PARK
    # 1xx/3xx are not valid final answers to our POST (redirects are not followed).
    return Verdict.RETRY
