"""The visitor form's place picker: the tree of places in use today and the search."""

from __future__ import annotations

import pytest

from kiosk.domain import region_tree
from kiosk.domain.regions import lookup_region


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("chaoyang", "北京市朝阳区"),  # full pinyin
        ("cyq", "北京市朝阳区"),  # initials
        ("朝阳", "北京市朝阳区"),  # characters
        ("haidian", "北京市海淀区"),
        ("tianhe", "广东省广州市天河区"),
        ("GUANGZHOU", "广东省广州市"),  # capitals from the Latin keyboard
    ],
)
def test_search_finds_the_place_first(query: str, first: str) -> None:
    assert region_tree.search(query)[0].full_name == first


def test_search_lists_every_place_of_that_name() -> None:
    names = [p.full_name for p in region_tree.search("chaoyang", limit=50)]
    assert {"北京市朝阳区", "吉林省长春市朝阳区", "辽宁省朝阳市"} <= set(names)
    assert region_tree.search("") == [] and region_tree.search("   ") == []
    assert region_tree.search("zzzzzz") == []


def test_tree_holds_only_places_in_use_today() -> None:
    provinces = region_tree.children(None)
    assert [p.name for p in provinces[:3]] == ["北京市", "天津市", "河北省"] and len(provinces) == 34
    beijing = [p.code for p in region_tree.children("110000")]
    assert "110105" in beijing and "110103" not in beijing  # 崇文区 was merged in 2010
    assert lookup_region("110103") is not None  # ...but stays valid on old ID numbers
    guangzhou = {p.name: p.code for p in region_tree.children("440100")}
    assert guangzhou["天河区"] == "440106" and "市辖区" not in guangzhou  # placeholders are not places
    assert region_tree.place("440106").full_name == "广东省广州市天河区"  # type: ignore[union-attr]
    assert region_tree.place("999999") is None


def test_every_place_is_a_known_region_under_its_parent() -> None:
    for p in region_tree.places():
        assert lookup_region(p.code) is not None, p
        if p.parent is not None:
            assert p.code[:2] == p.parent[:2] and region_tree.place(p.parent) is not None
