"""One entry point: detect the format of a scanned payload and verify it.

`verify` never raises and always returns exactly one VerificationResult. Formats are
tried in order: signed prefixes first (exact), then the configured platform-token
patterns. Further formats (e.g. SMART Health Cards `shc:/`) plug in here.
"""

from __future__ import annotations

from kiosk.domain.codes import cn_signed, cn_token, eu_dcc
from kiosk.domain.codes.context import VerifyContext
from kiosk.domain.models import CodeFormat, CodeStatus, VerificationResult

MAX_PAYLOAD_BYTES = 4096  # a QR code holds < 3 KB; more is garbage or an attack
_PREFIXES = ((cn_signed.PREFIX, CodeFormat.CN_SIGNED), (eu_dcc.PREFIX, CodeFormat.EU_DCC))


def _result(fmt: CodeFormat, status: CodeStatus, step: str, reason: str) -> VerificationResult:
    return VerificationResult(format=fmt, status=status, reason=reason, details={"step": step})


def detect(text: str) -> CodeFormat:
    """The format named by the payload's prefix (cn-token needs the context: see verify)."""
    for prefix, fmt in _PREFIXES:
        if text.startswith(prefix):
            return fmt
    return CodeFormat.UNKNOWN


def verify(payload: str | bytes, ctx: VerifyContext) -> VerificationResult:
    try:
        return _verify(payload, ctx)
    except Exception as exc:  # the contract: one result for any input, never an exception
        return _result(
            CodeFormat.UNKNOWN, CodeStatus.MALFORMED, "internal", f"could not be verified ({type(exc).__name__})"
        )


def _verify(payload: str | bytes, ctx: VerifyContext) -> VerificationResult:
    if isinstance(payload, bytes | bytearray):
        if len(payload) > MAX_PAYLOAD_BYTES:
            return _result(
                detect(payload[:8].decode("ascii", "replace")),
                CodeStatus.MALFORMED,
                "size",
                f"longer than {MAX_PAYLOAD_BYTES} bytes",
            )
        try:
            text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            fmt = detect(payload[:8].decode("ascii", "replace"))
            status = CodeStatus.MALFORMED if fmt is not CodeFormat.UNKNOWN else CodeStatus.UNSUPPORTED
            return _result(fmt, status, "text", "the scanned data is not UTF-8 text")
    elif isinstance(payload, str):
        text = payload
    else:
        return _result(
            CodeFormat.UNKNOWN, CodeStatus.UNSUPPORTED, "text", f"a payload must be text, got {type(payload).__name__}"
        )
    # Keyboard-wedge scanners end with CR/LF and some add spaces; a code never does.
    text = text.strip()
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PAYLOAD_BYTES:
        return _result(detect(text), CodeStatus.MALFORMED, "size", f"longer than {MAX_PAYLOAD_BYTES} bytes")
    if not text:
        return _result(CodeFormat.UNKNOWN, CodeStatus.UNSUPPORTED, "empty", "nothing was scanned")
    fmt = detect(text)
    if fmt is CodeFormat.CN_SIGNED:
        return cn_signed.verify_cn_signed(text, ctx)
    if fmt is CodeFormat.EU_DCC:
        return eu_dcc.verify_dcc(text, ctx)
    region = cn_token.match_region(text, ctx)
    if region is not None:
        return cn_token.verify_cn_token(text, region, ctx)
    return _result(
        CodeFormat.UNKNOWN,
        CodeStatus.UNSUPPORTED,
        "format",
        "not a health code this kiosk knows (no HC1:/HCN1: prefix, no platform-code pattern matched)",
    )
