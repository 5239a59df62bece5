"""Masked ID numbers shown in the docs are in the form the code produces (one form everywhere)."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.domain.masking import mask_id

DOCS = Path(__file__).resolve().parents[2] / "docs"
MASKED_ID = re.compile(r"(?<![\w*])([0-9A-Za-z]{1,6})(\*{3,})([0-9Xx]{1,6})(?![\w*])")


def test_every_masked_id_example_in_the_docs_matches_mask_id() -> None:
    found = []
    for doc in sorted(DOCS.glob("*.md")):
        for m in MASKED_ID.finditer(doc.read_text(encoding="utf-8")):
            example = m.group(0)
            if len(example) < 15:
                continue  # phones and short numbers have their own masks
            # any number with the example's visible characters masks to the example itself
            number = m.group(1) + "0" * len(m.group(2)) + m.group(3)
            assert mask_id(number) == example, f"{doc.name}: {example!r} but the code masks it as {mask_id(number)!r}"
            found.append(example)
    assert "110***********002X" in found, "the code-check example in sync-protocol.md is checked"
