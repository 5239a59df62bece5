"""The pinyin index behind the on-screen keyboard (pure Python, no window)."""

from __future__ import annotations

import pytest

from kiosk.ui.pinyin_ime import Composer, PinyinIndex, toneless


@pytest.fixture(scope="module")
def index() -> PinyinIndex:
    return PinyinIndex.load()


@pytest.mark.parametrize(("reading", "typed"), [("zhāng", "zhang"), ("lǜ", "lv"), ("nǚ", "nv"), ("ān", "an"), ("Wáng", "wang")])
def test_toneless(reading: str, typed: str) -> None:
    assert toneless(reading) == typed


@pytest.mark.parametrize(
    ("letters", "syllables"),
    [("zhangwei", ["zhang", "wei"]), ("xi'an", ["xi", "an"]), ("xian", ["xian"]), ("beijing", ["bei", "jing"]),
     ("zh", ["zh"]), ("liming", ["li", "ming"]), ("qqq", None), ("", [])],
)
def test_split(index: PinyinIndex, letters: str, syllables: list[str] | None) -> None:
    assert index.split(letters) == syllables


@pytest.mark.parametrize(
    ("letters", "expected", "within"),
    [("nihao", "你好", 1), ("beijing", "北京", 1), ("xi'an", "西安", 1), ("tanqin", "探亲", 1),
     ("zhang", "张", 3), ("wang", "王", 1), ("li", "李", 5), ("lv", "绿", 3), ("chen", "陈", 5)],
)
def test_common_words_and_surnames_come_first(index: PinyinIndex, letters: str, expected: str, within: int) -> None:
    got = [c.text for c in index.candidates(letters)]
    assert expected in got[:within], got


def test_candidates_are_ranked_by_frequency(index: PinyinIndex) -> None:
    cands = index.candidates("shi", limit=30)
    singles = [c for c in cands if c.syllables == 1]
    assert len(singles) >= 20
    # primary readings first, each group in falling corpus frequency (secondary readings are scaled down)
    assert [c.freq for c in singles] == sorted((c.freq for c in singles), reverse=True)


def test_phrases_before_single_characters(index: PinyinIndex) -> None:
    cands = index.candidates("beijing")
    assert cands[0].syllables == 2 and all(c.syllables <= cands[0].syllables for c in cands)


def test_composer_types_a_name_syllable_by_syllable(index: PinyinIndex) -> None:
    comp = Composer(index)
    for ch in "liming":
        comp.type_letter(ch)
    li = next(c for c in comp.candidates(30) if c.text == "李")
    comp.choose(li)
    assert (comp.text, comp.pending) == ("李", "ming")
    comp.choose(next(c for c in comp.candidates() if c.text == "明"))
    assert (comp.text, comp.pending) == ("李明", "")
    comp.backspace()
    assert comp.text == "李"


def test_composer_without_an_index_types_letters() -> None:
    comp = Composer(None)
    for ch in "abc":
        comp.type_letter(ch)
    assert comp.text == "abc" and comp.candidates() == []


def test_garbage_gives_no_candidates(index: PinyinIndex) -> None:
    assert index.candidates("qqq") == [] and index.candidates("123") == [] and index.candidates("") == []
