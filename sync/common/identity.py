"""Validation of what a person types at the gate: ID documents, mobile numbers, names.

Every problem is a FieldError naming the field, a stable code and a message in Chinese
and English, so the form can show it next to the field. Pure: `today` is passed in.

ID numbers follow GB 11643 (18 characters, ISO 7064 MOD 11-2 check digit computed with
python-stdnum, a real birth date not in the future, a region code that ever existed);
15-digit legacy numbers are upgraded to 18. Hong Kong/Macau/Taiwan residence permits
(810000/820000/830000) share that format; foreign permanent-residence cards start with 9
(2023 format) or are 3 letters + 12 digits (2004 format); passports are free-form.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass

from stdnum.iso7064 import mod_11_2

from sync.common.regions import lookup_region


class DocType(enum.StrEnum):
    CN_ID = "cn-id"  # 居民身份证
    HKMT_PERMIT = "hkmt-permit"  # 港澳台居民居住证 (81/82/83)
    FOREIGN_PR = "foreign-pr"  # 外国人永久居留身份证
    PASSPORT = "passport"


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.field}: {self.en} / {self.zh}"


@dataclass(frozen=True)
class IdCheck:
    """A validated document number, or the errors that stop it."""

    doc_type: DocType
    number: str  # normalised (upper case, 18 digits for upgraded legacy numbers)
    errors: tuple[FieldError, ...] = ()
    birth_date: dt.date | None = None
    region_code: str = ""
    region_name: str = ""
    upgraded_from: str = ""  # the 15-digit number this one was upgraded from

    @property
    def ok(self) -> bool:
        return not self.errors


MAX_NAME = 100
MAX_TEXT = 2000
_PERMIT_REGIONS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
_SPACES = re.compile(r"[\s\-]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PASSPORT = re.compile(r"^[A-Z0-9<]{5,20}$")
_FOREIGN_2004 = re.compile(r"^[A-Z]{3}\d{12}$")


def normalise_number(raw: str) -> str:
    """The form ID numbers are stored, hashed and looked up in: no spaces or dashes, upper case."""
    return _SPACES.sub("", raw or "").upper()


def _err(field: str, code: str, zh: str, en: str) -> FieldError:
    return FieldError(field, code, zh, en)


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return mod_11_2.calc_check_digit(first17)


def upgrade_15(number: str) -> str:
    """A 15-digit legacy number (YYMMDD, born 19xx) as its 18-digit equivalent."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_digit(first17)


def _birth_date(text: str, today: dt.date, field: str) -> tuple[dt.date | None, FieldError | None]:
    try:
        born = dt.date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None, _err(field, "bad-birth-date", f"出生日期 {text} 不存在", f"the birth date {text} does not exist")
    if born > today:
        return None, _err(field, "future-birth-date", "出生日期在未来", "the birth date is in the future")
    if born.year < 1880:
        return None, _err(field, "bad-birth-date", f"出生日期 {text} 不合理", f"the birth date {text} is not plausible")
    return born, None


def _check_18(number: str, today: dt.date, field: str, doc_type: DocType, upgraded_from: str = "") -> IdCheck:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return IdCheck(doc_type, number, (_err(field, "bad-format", "前17位须为数字，末位为数字或X", "the first 17 characters must be digits and the last a digit or X"),))
    if number[-1] != check_digit(number[:17]):
        return IdCheck(doc_type, number, (_err(field, "bad-check-digit", "校验位不正确，请核对号码", "the check digit is wrong; please re-type the number"),))
    born, problem = _birth_date(number[6:14], today, field)
    if problem:
        return IdCheck(doc_type, number, (problem,))
    code = number[:6]
    if code in _PERMIT_REGIONS:
        return IdCheck(DocType.HKMT_PERMIT, number, (), born, code, _PERMIT_REGIONS[code], upgraded_from)
    if doc_type is DocType.HKMT_PERMIT:
        return IdCheck(doc_type, number, (_err(field, "bad-permit-region", "港澳台居民居住证号码须以810000、820000或830000开头", "a Hong Kong/Macau/Taiwan residence permit number starts with 810000, 820000 or 830000"),))
    region = lookup_region(code)
    if region is None:
        return IdCheck(doc_type, number, (_err(field, "unknown-region", f"地区码 {code} 不存在", f"the region code {code} does not exist"),))
    return IdCheck(DocType.CN_ID, number, (), born, code, region.name, upgraded_from)


def validate_id(doc_type: DocType | str, raw: str, today: dt.date, field: str = "id_number") -> IdCheck:
    """Check a document number of the given type; never raises on bad input."""
    try:
        kind = DocType(doc_type)
    except ValueError:
        return IdCheck(DocType.PASSPORT, raw, (_err("id_type", "bad-doc-type", "证件类型无效", f"unknown document type {doc_type!r}"),))
    number = normalise_number(raw)
    if not number:
        return IdCheck(kind, number, (_err(field, "required", "请填写证件号码", "the document number is required"),))
    if kind is DocType.PASSPORT:
        if not _PASSPORT.match(number):
            return IdCheck(kind, number, (_err(field, "bad-format", "护照号码应为5–20位字母或数字", "a passport number is 5–20 letters or digits"),))
        return IdCheck(kind, number)
    if kind is DocType.FOREIGN_PR:
        if _FOREIGN_2004.match(number):
            return IdCheck(kind, number)
        if len(number) != 18 or not number.startswith("9"):
            return IdCheck(kind, number, (_err(field, "bad-format", "外国人永久居留身份证号码为以9开头的18位，或3个字母加12位数字", "a foreign permanent-residence card number is 18 characters starting with 9, or 3 letters and 12 digits"),))
        if not re.fullmatch(r"\d{17}[\dX]", number) or number[-1] != check_digit(number[:17]):
            return IdCheck(kind, number, (_err(field, "bad-check-digit", "校验位不正确，请核对号码", "the check digit is wrong; please re-type the number"),))
        born, problem = _birth_date(number[6:14], today, field)
        return IdCheck(kind, number, (problem,) if problem else (), born)
    if len(number) == 15:
        if not number.isdigit():
            return IdCheck(kind, number, (_err(field, "bad-format", "15位旧号码须全为数字", "a 15-digit legacy number must be all digits"),))
        return _check_18(upgrade_15(number), today, field, kind, upgraded_from=number)
    if len(number) != 18:
        return IdCheck(kind, number, (_err(field, "bad-length", f"身份证号码应为18位（现为{len(number)}位）", f"an ID number has 18 characters (this one has {len(number)})"),))
    return _check_18(number, today, field, kind)


def normalise_mobile(raw: str) -> str:
    s = _SPACES.sub("", raw or "")
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    return s


def validate_mobile(raw: str, field: str = "phone") -> tuple[str, FieldError | None]:
    s = normalise_mobile(raw)
    if not s:
        return s, _err(field, "required", "请填写手机号码", "the mobile number is required")
    if not _MOBILE.match(s):
        return s, _err(field, "bad-mobile", "手机号码应为以1开头的11位数字（第二位3–9）", "a mobile number is 11 digits starting with 1 and then 3–9")
    return s, None


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n" for c in text)


def validate_name(raw: str, field: str = "name") -> tuple[str, FieldError | None]:
    """Names in any script, with the middle dot · of minority names. Kept as typed."""
    s = (raw or "").strip()
    if not s:
        return s, _err(field, "required", "请填写姓名", "the name is required")
    if len(s) > MAX_NAME:
        return s, _err(field, "too-long", f"姓名过长（最多{MAX_NAME}个字符）", f"the name is too long (at most {MAX_NAME} characters)")
    if _has_control(s) or "\n" in s or "\t" in s:
        return s, _err(field, "bad-characters", "姓名含有不可见的控制字符", "the name contains invisible control characters")
    if not any(c.isalpha() for c in s):
        return s, _err(field, "no-letters", "姓名须包含文字", "the name must contain letters")
    return s, None


def validate_text(raw: str, field: str, *, required: bool = True, max_len: int = MAX_TEXT) -> tuple[str, FieldError | None]:
    """Free text (reason, address): stored exactly as typed, never interpreted."""
    s = (raw or "").strip()
    if required and not s:
        return s, _err(field, "required", "此项必填", "this field is required")
    if len(s) > max_len:
        return s, _err(field, "too-long", f"内容过长（最多{max_len}个字符）", f"too long (at most {max_len} characters)")
    if _has_control(s):
        return s, _err(field, "bad-characters", "含有不可见的控制字符", "contains invisible control characters")
    return s, None
