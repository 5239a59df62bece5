"""Masking: screens and exports never show a whole ID number, phone or name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.masking import mask_id, mask_name, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110105199003071234", "110***********1234"),
        ("11010519900307123X", "110***********123X"),
        (" 110105900307123 ", "110********7123"),
        ("E12345678", "E1****678"),
        ("ABC", "A*C"),
        ("AB", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(raw: str | None, masked: str) -> None:
    assert mask_id(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("010-12345678", "*********78"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("李", "李*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
        ("", ""),
    ],
)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


@given(st.text(min_size=8, max_size=40).filter(lambda s: s.strip() == s and len(s) >= 8))
def test_mask_id_never_reveals_the_middle(value: str) -> None:
    masked = mask_id(value)
    assert len(masked) == len(value)
    assert masked != value or set(value) == {"*"}
    # At most 7 characters of the original are visible.
    assert sum(1 for a, b in zip(masked, value, strict=True) if a == b and a != "*") <= 7
