"""The wire protocol shared by the kiosk (sync client) and the central server (sync/server).

Everything either end needs to speak to the other lives here; see docs/sync-protocol.md.
Import from this package: `from sync.protocol import sign_request, encode_batch, BatchAck, ...`.

The names below are loaded on first use (PEP 562), so that importing one light submodule —
the kiosk's store imports sync.protocol.chain to hash its records — does not pull in
pydantic and the message models. Type checkers read the imports as written.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.protocol.auth import (
        AUTH_HEADERS,
        DEFAULT_CLOCK_WINDOW_S,
        H_DEVICE,
        H_DIGEST,
        H_NONCE,
        H_SERVER_TIME,
        H_SIGNATURE,
        H_TIMESTAMP,
        SignedHeaders,
        body_digest,
        check_timestamp,
        new_device_secret,
        new_nonce,
        read_auth_headers,
        sign_request,
        verify_signature,
    )
    from sync.protocol.batch import (
        GZIP,
        H_IDEMPOTENCY,
        JSON_TYPE,
        check_record_hash,
        encode_batch,
        gunzip_limited,
        parse_batch,
        parse_model,
        read_body,
        wire_record,
    )
    from sync.protocol.bundle import (
        BUNDLE_FORMAT,
        Bundle,
        IsolationEntry,
        etag_for,
        etag_matches,
        key_id,
        load_public_key,
        public_key_pem,
        roster_lookup_hash,
        sign_bundle,
        verify_bundle,
    )
    from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash, verify_chain
    from sync.protocol.clock import utc_now_iso
    from sync.protocol.errors import AuthRefused, BundleError, ErrorCode, ProtocolError
    from sync.protocol.messages import (
        DEFAULT_MAX_BATCH_BYTES,
        DEFAULT_MAX_BATCH_RECORDS,
        MAX_DECOMPRESSED_BYTES,
        PROTOCOL_VERSION,
        AlertAck,
        AlertUpload,
        BatchAck,
        BatchEnvelope,
        ChainReport,
        CodeCheckRequest,
        CodeCheckResponse,
        EnrollRequest,
        EnrollResponse,
        ErrorResponse,
        KeyRollRequest,
        KeyRollResponse,
        ReportAck,
        ReportUpload,
        SeqRange,
        TimeResponse,
        WireRecord,
    )

# The submodules that hold the names of __all__ (the PATH_* constants are defined below).
_PARTS = ("auth", "batch", "bundle", "chain", "clock", "errors", "messages")

PATH_TIME = "/v1/time"
PATH_ENROLL = "/v1/enroll"
PATH_BATCHES = "/v1/batches"
PATH_BUNDLE = "/v1/bundle"
PATH_CODE_CHECK = "/v1/code-check"
PATH_REPORTS = "/v1/reports"
PATH_KEY_ROLL = "/v1/device/key"
PATH_ALERTS = "/v1/alerts"  # the priority lane: one alert at a time, ahead of the batches

__all__ = [
    "PATH_ALERTS", "AlertAck", "AlertUpload", "IsolationEntry",
    "AUTH_HEADERS", "BUNDLE_FORMAT", "DEFAULT_CLOCK_WINDOW_S", "DEFAULT_MAX_BATCH_BYTES", "DEFAULT_MAX_BATCH_RECORDS",
    "GENESIS_HASH", "GZIP", "H_DEVICE", "H_DIGEST", "H_IDEMPOTENCY", "H_NONCE", "H_SERVER_TIME", "H_SIGNATURE",
    "H_TIMESTAMP", "JSON_TYPE", "MAX_DECOMPRESSED_BYTES", "PATH_BATCHES", "PATH_BUNDLE", "PATH_CODE_CHECK",
    "PATH_ENROLL", "PATH_KEY_ROLL", "PATH_REPORTS", "AuthRefused", "KeyRollRequest", "KeyRollResponse", "PATH_TIME", "PROTOCOL_VERSION", "BatchAck", "BatchEnvelope", "Bundle",
    "BundleError", "ChainReport", "CodeCheckRequest", "CodeCheckResponse", "EnrollRequest", "EnrollResponse",
    "ErrorCode", "ErrorResponse", "ProtocolError", "ReportAck", "ReportUpload", "SeqRange", "SignedHeaders",
    "TimeResponse", "WireRecord", "body_digest", "canonical_json", "check_record_hash", "check_timestamp",
    "encode_batch", "etag_for", "etag_matches", "gunzip_limited", "key_id", "load_public_key", "new_device_secret",
    "new_nonce", "parse_batch", "parse_model", "public_key_pem", "read_auth_headers", "read_body", "record_hash",
    "roster_lookup_hash", "sign_bundle", "sign_request", "utc_now_iso", "verify_bundle", "verify_chain", "verify_signature", "wire_record",
]


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name in __all__:
            for part in _PARTS:
                module = importlib.import_module(f"{__name__}.{part}")
                if hasattr(module, name):
                    value = getattr(module, name)
                    globals()[name] = value  # found once; later look-ups are plain attributes
                    return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
