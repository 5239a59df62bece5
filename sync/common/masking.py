"""Masked forms of ID numbers, phones and names for screens, exports and logs.

Pure functions, no I/O. The rule everywhere: show just enough for a guard to tell two
people apart (first and last characters), never enough to copy the number.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"([·・•\s]+)")  # middle dot of minority names, Latin spaces
_PHONE_NOISE = re.compile(r"[\s\-()]")


def _keep(value: str, head: int, tail: int) -> str:
    stars = len(value) - head - tail
    if stars <= 0:
        return "*" * len(value)
    return value[:head] + "*" * stars + (value[-tail:] if tail else "")


def mask_id(value: str | None) -> str:
    """ID / permit / passport number: '110105199003071234' -> '110***********1234'."""
    s = (value or "").strip()
    n = len(s)
    if n == 0:
        return ""
    if n >= 15:
        return _keep(s, 3, 4)
    if n >= 8:
        return _keep(s, 2, 3)
    if n >= 3:
        return _keep(s, 1, 1)
    return "*" * n


def mask_phone(value: str | None) -> str:
    """Mobile '13812345678' -> '138****5678'; other numbers keep only the last 2 digits."""
    s = _PHONE_NOISE.sub("", (value or "").strip())
    if not s:
        return ""
    if s.startswith("+86") and len(s) == 14:
        s = s[3:]
    if len(s) == 11 and s.isdigit() and s[0] == "1":
        return _keep(s, 3, 4)
    if len(s) >= 7:
        return _keep(s, 0, 2)
    return "*" * len(s)


def mask_name(value: str | None) -> str:
    """'张三丰' -> '张**'; '阿依古丽·买买提' -> '阿***·***'; 'John Smith' -> 'J*** *****'.

    Only the first character stays; separators (the middle dot ·, spaces) are kept so the
    shape of the name is still recognisable.
    """
    s = (value or "").strip()
    if not s:
        return ""
    parts = _SEPARATORS.split(s)
    out: list[str] = []
    first_done = False
    for part in parts:
        if not part or _SEPARATORS.fullmatch(part):
            out.append(part)
        elif not first_done:
            out.append(part[0] + "*" * (len(part) - 1) if len(part) > 1 else part + "*")
            first_done = True
        else:
            out.append("*" * len(part))
    return "".join(out)


def mask_text(value: str | None) -> str:
    """Free text typed at the gate (a visit reason, an override reason) as it leaves the kiosk.

    It may hold a name, a phone or an ID number that nothing can pick out reliably, so it
    gets the same masking as a name: '探望母亲张三' -> '探*****'. The full text stays on the
    kiosk (for its admin) until retention purges it.
    """
    return mask_name(value)
