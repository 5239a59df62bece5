"""`cn-token`: a provincial health code is an opaque, short-lived token (usually a URL).

Only the platform knows its colour, so we ask it through the CodeChecker (the central
server's code-check endpoint, modelled on the GB/T 38963 verification request). Offline,
timed out, or a checker that fails: status `unverified`, and the gate asks the guard to
attest the colour shown on the phone; the token is re-checked later by the sync worker.
Which texts count as tokens is configured per region (`codes.cn_token_patterns`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from kiosk.domain.codes.context import VerifyContext
from kiosk.domain.masking import mask_id, mask_name
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource, VerificationResult

_REGION = re.compile(r"^(\d{6}):(.*)$", re.S)


@functools.lru_cache(maxsize=32)
def compile_patterns(entries: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """("NNNNNN:regex" | "regex", ...) -> ((region, compiled), ...); ValueError names a bad one."""
    out = []
    for entry in entries:
        m = _REGION.match(entry)
        region, regex = (m.group(1), m.group(2)) if m else ("", entry)
        if not regex:
            raise ValueError(f"cn-token pattern {entry!r} has an empty regular expression")
        try:
            out.append((region, re.compile(regex)))
        except re.error as exc:
            raise ValueError(f"cn-token pattern {entry!r} is not a valid regular expression: {exc}") from None
    return tuple(out)


def match_region(text: str, ctx: VerifyContext) -> str | None:
    """The region whose pattern matches the whole text ('' if unlabelled), or None."""
    for region, pattern in compile_patterns(ctx.cn_token_patterns):
        if pattern.fullmatch(text):
            return region
    return None


def verify_cn_token(text: str, region: str, ctx: VerifyContext) -> VerificationResult:
    details = {"region": region} if region else {}
    if ctx.checker is None:
        return _unverified("offline: the platform cannot be asked now; check the colour on the phone", details)
    try:
        answer = ctx.checker.check(qr_text=text)
    except Exception as exc:  # a checker bug must not stop the gate: fall back to the guard
        return _unverified(f"the platform check failed ({type(exc).__name__}); check the colour on the phone", details)
    if answer is None:
        return _unverified("the platform did not answer in time; check the colour on the phone", details)
    if answer.updated_at:
        details["updated_at"] = answer.updated_at
    if answer.holder_hash:  # the platform named the holder: the gate record links the pass to them
        details.update(holder_hash=answer.holder_hash, holder_sealed=answer.holder_sealed,
                       holder_name_sealed=answer.holder_name_sealed)
    if answer.colour is Colour.NONE:
        return VerificationResult(
            format=CodeFormat.CN_TOKEN,
            status=CodeStatus.UNTRUSTED,
            reason="the platform does not recognise this code",
            details={**details, "step": "platform"},
        )
    return VerificationResult(
        format=CodeFormat.CN_TOKEN,
        status=CodeStatus.VALID,
        colour=answer.colour,
        colour_source=ColourSource.ONLINE,
        reason=f"{answer.colour.value} code, confirmed by the platform",
        # Re-mask: the platform should send masked values, but the screen must never rely on it.
        holder_name_masked=_remask(answer.name_masked, mask_name),
        id_masked=_remask(answer.id_masked, mask_id),
        details=details,
    )


def _remask(value: str, mask: Callable[[str], str]) -> str:
    return value if not value or "*" in value else mask(value)


def _unverified(reason: str, details: dict[str, str]) -> VerificationResult:
    return VerificationResult(
        format=CodeFormat.CN_TOKEN,
        status=CodeStatus.UNVERIFIED,
        reason=reason,
        details={**details, "step": "platform"},
    )
