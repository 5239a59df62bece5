"""ID numbers (GB 11643 and permits), mobiles, names: tables of real and broken inputs."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.identity import (
    DocType,
    check_digit,
    upgrade_15,
    validate_id,
    validate_mobile,
    validate_name,
    validate_text,
)
from kiosk.domain.regions import lookup_region, region_matches

TODAY = dt.date(2026, 11, 28)


def with_check(first17: str) -> str:
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("11010519491231002X", "北京市朝阳区"),  # GB 11643's own example, check digit X
        ("360426199101010071", "江西省德安县"),
        ("110105194912310021".replace("0021", "002X"), "北京市朝阳区"),
        (" 1101 0519 4912 3100 2x ", "北京市朝阳区"),  # spaces and a lower-case x are tidied
        (with_check("11010320100101123"), "北京市崇文区"),  # 崇文区: abolished in 2010, still valid
        (with_check("11010420000101123"), "北京市宣武区"),  # 宣武区: abolished in 2010
        (with_check("11011019800101123"), "北京市燕山区"),  # 燕山区: abolished in 1986
        (with_check("11011519600101123"), "北京市大兴区"),  # code newer than the birth year: still valid
        (with_check("11010520261128002"), "北京市朝阳区"),  # born today
    ],
)
def test_valid_mainland_numbers(number: str, region: str) -> None:
    check = validate_id(DocType.CN_ID, number, TODAY)
    assert check.ok, check.errors
    assert check.region_name == region
    assert check.number == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "bad-check-digit"),
        ("11010519491231002", "bad-length"),
        ("1101051949123100211", "bad-length"),
        ("11010519491331002X".replace("X", check_digit("11010519491331002")), "bad-birth-date"),  # month 13
        (with_check("11010519490230002"), "bad-birth-date"),  # 30 February
        (with_check("11010520991231002"), "future-birth-date"),
        (with_check("11010520261129002"), "future-birth-date"),  # tomorrow: the year is this year
        (with_check("11010520261215002"), "future-birth-date"),  # later this year
        (with_check("11010520271128002"), "future-birth-date"),  # same day next year
        (with_check("99999919900101002"), "unknown-region"),
        ("11010519491231002A", "bad-format"),
        ("", "required"),
        ("11010549123100A", "bad-format"),  # 15 characters, not all digits
    ],
)
def test_invalid_mainland_numbers(number: str, code: str) -> None:
    check = validate_id(DocType.CN_ID, number, TODAY)
    assert not check.ok
    assert [e.code for e in check.errors] == [code]
    err = check.errors[0]
    assert err.field == "id_number" and err.zh and err.en and err.zh != err.en


def test_fifteen_digit_upgrade() -> None:
    assert upgrade_15("110105491231002") == "11010519491231002X"
    check = validate_id(DocType.CN_ID, "110105491231002", TODAY)
    assert check.ok and check.number == "11010519491231002X" and check.upgraded_from == "110105491231002"
    assert check.birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hk_macau_taiwan_permits(prefix: str) -> None:
    number = with_check(prefix + "19940823002")
    for doc_type in (DocType.HKMT_PERMIT, DocType.CN_ID):
        check = validate_id(doc_type, number, TODAY)
        assert check.ok and check.doc_type is DocType.HKMT_PERMIT


def test_permit_with_a_mainland_region_is_refused() -> None:
    check = validate_id(DocType.HKMT_PERMIT, "11010519491231002X", TODAY)
    assert [e.code for e in check.errors] == ["bad-permit-region"]


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        (with_check("93315619900101001"), True),  # 2023 format: 9 + province 33 + country 156 + birth date
        ("USA330101021234", True),  # 2004 format
        (with_check("93315619900101001")[:-1] + "Y", False),
        ("833156199001010011", False),  # does not start with 9
        (with_check("93315620990101001"), False),  # born in the future
    ],
)
def test_foreign_permanent_residence_cards(number: str, ok: bool) -> None:
    assert validate_id(DocType.FOREIGN_PR, number, TODAY).ok is ok


@pytest.mark.parametrize(("number", "ok"), [("E12345678", True), ("g1234567", True), ("123", False), ("AB 12-34 56", True), ("护照12345", False)])
def test_passports_are_free_form(number: str, ok: bool) -> None:
    assert validate_id(DocType.PASSPORT, number, TODAY).ok is ok


def test_unknown_document_type() -> None:
    assert [e.field for e in validate_id("library-card", "123", TODAY).errors] == ["id_type"]


@pytest.mark.parametrize(
    ("raw", "clean", "ok"),
    [
        ("13812345678", "13812345678", True),
        ("+86 138-1234-5678", "13812345678", True),
        ("008619912345678", "19912345678", True),
        ("12812345678", "12812345678", False),
        ("1381234567", "1381234567", False),
        ("01012345678", "01012345678", False),
        ("", "", False),
    ],
)
def test_mobiles(raw: str, clean: str, ok: bool) -> None:
    value, err = validate_mobile(raw)
    assert value == clean and (err is None) is ok
    if err:
        assert err.field == "phone" and err.zh and err.en


@pytest.mark.parametrize(
    ("name", "ok"),
    [("张三", True), ("阿依古丽·买买提", True), ("Jean-Luc Picard", True), ("O'Brien", True), ("Ñoño", True),
     ("李👍", True), ("", False), ("   ", False), ("12345", False), ("张\x00三", False), ("a" * 101, False)],
)
def test_names(name: str, ok: bool) -> None:
    _, err = validate_name(name)
    assert (err is None) is ok


def test_free_text_limits() -> None:
    assert validate_text("x" * 2000, "reason")[1] is None
    assert validate_text("x" * 2001, "reason")[1] is not None
    assert validate_text("", "reason", required=False)[1] is None


@given(st.text(max_size=40))
def test_validation_never_raises(text: str) -> None:
    for doc_type in DocType:
        validate_id(doc_type, text, TODAY)
    validate_mobile(text)
    validate_name(text)


@given(st.from_regex(r"\d{17}", fullmatch=True))
def test_one_wrong_digit_is_caught(first17: str) -> None:
    number = with_check(first17)
    wrong = first17[:-1] + str((int(first17[-1]) + 1) % 10) + number[-1]
    assert validate_id(DocType.CN_ID, wrong, TODAY).errors[0].code in ("bad-check-digit", "bad-birth-date", "unknown-region", "future-birth-date")
    assert not any(e.code == "bad-check-digit" for e in validate_id(DocType.CN_ID, number, TODAY).errors)


def test_regions() -> None:
    region = lookup_region("110103")
    assert region is not None and region.abolished and region.county == "崇文区"
    assert lookup_region("123") is None and lookup_region("999999") is None
    assert region_matches("110105", "110105") and region_matches("110105", "110100") and region_matches("110105", "110000")
    assert not region_matches("120105", "110000") and not region_matches("110205", "110100")
