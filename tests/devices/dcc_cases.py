"""The QR images of the shared EU DCC conformance data, paired with their expected text."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path

# Upstream cases whose picture holds a different certificate from their PREFIX text (both
# decoders agree on what the picture holds, and it is a well-formed HC1: string). Kept as
# a list so a change in the data shows up as a failing test, not as a silent skip.
PICTURE_DIFFERS = frozenset({"ES/png/2101.png", "ES/png/2102.png", "ES/png/2103.png",
                             "ES/2DCode/raw/501.json#2DCODE", "ES/2DCode/raw/502.json#2DCODE",
                             "ES/2DCode/raw/503.json#2DCODE"})
# Pictures with no test case beside them (their text is not published).
NO_CASE = frozenset({"IT/png/1.png"})


@dataclass(frozen=True)
class QrCase:
    name: str  # relative to the dcc folder; "#2DCODE" for the base64 field
    image_bytes: bytes | None  # None: the base64 field is not valid base64
    prefix: str | None  # None: no case beside the picture
    readable: bool  # EXPECTEDPICTUREDECODE is not false


def _norm(stem: str) -> str:
    return stem.lower().replace("-", "_").removesuffix("_raw")


def _load_json(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def qr_cases(dcc: Path) -> list[QrCase]:
    docs = {p: d for p in sorted(dcc.rglob("*.json")) if (d := _load_json(p)) is not None and "PREFIX" in d}
    cases: list[QrCase] = []
    for png in sorted(dcc.rglob("*.png")):
        base = png.parent.parent if png.parent.name == "png" else png.parent
        matches = [d for p, d in docs.items() if p.is_relative_to(base) and _norm(p.stem) == _norm(png.stem)]
        rel = png.relative_to(dcc).as_posix()
        doc = matches[0] if len(matches) == 1 else None
        readable = doc is None or doc.get("EXPECTEDRESULTS", {}).get("EXPECTEDPICTUREDECODE") is not False
        cases.append(QrCase(rel, png.read_bytes(), doc["PREFIX"] if doc else None, readable))
    for path, doc in docs.items():
        field = doc.get("2DCODE") or doc.get("_2DCODE")
        if not field:
            continue
        try:
            raw: bytes | None = base64.b64decode(field, validate=False)
        except (binascii.Error, ValueError):
            raw = None
        readable = doc.get("EXPECTEDRESULTS", {}).get("EXPECTEDPICTUREDECODE") is not False
        cases.append(QrCase(path.relative_to(dcc).as_posix() + "#2DCODE", raw, doc["PREFIX"], readable))
    return cases
