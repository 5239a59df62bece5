"""Text the protocol accepts: no NUL character and no unpaired surrogate, in any key or string.

PostgreSQL cannot store U+0000 in text, and an unpaired surrogate cannot be encoded as UTF-8 for
either database; both used to surface as a 500 deep in the server. They are refused up front, the
same way on both backends, with the path of the offending field.
"""

from __future__ import annotations

from typing import Any

from sync.protocol.errors import ErrorCode, ProtocolError


def text_problem(text: str) -> str | None:
    """Why `text` is not acceptable protocol text, or None."""
    if "\x00" in text:
        return "contains a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"contains an unpaired surrogate (U+{ord(text[exc.start]):04X})"
    return None


def _shown(key: str) -> str:
    return ascii(key)[1:-1][:40]


def _acceptable(text: str) -> bool:
    return "\x00" not in text and (text.isascii() or text_problem(text) is None)


def _all_acceptable(value: Any) -> bool:
    """The fast pass: no paths built (a batch has tens of thousands of strings, nearly always fine)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _acceptable(item):
                return False
        elif isinstance(item, dict):
            for key, sub in item.items():
                if not _acceptable(key):
                    return False
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
    return True


def check_text(value: Any, root: str = "") -> None:
    """Walks parsed JSON (iteratively: its depth is the sender's choice); 422 on the first bad key or string."""
    if _all_acceptable(value):
        return
    stack: list[tuple[str, Any]] = [(root, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise _refuse(path or "(body)", f"the text {problem}")
        elif isinstance(item, dict):
            for key, sub in item.items():
                where = f"{path}.{_shown(key)}" if path else _shown(key)
                problem = text_problem(key)
                if problem:
                    raise _refuse(where, f"the key {problem}")
                stack.append((where, sub))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), sub) for i, sub in enumerate(item))


def _refuse(field: str, problem: str) -> ProtocolError:
    return ProtocolError(422, ErrorCode.INVALID, f"{field}: {problem}; text must be NUL-free UTF-8",
                         {"problems": [{"field": field, "problem": problem}]})
