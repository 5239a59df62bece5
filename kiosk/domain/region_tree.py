"""Province → city → county, and a search by characters or pinyin, for the visitor form.

Nobody knows the 6-digit code of the place they came from, but everybody can say
"朝阳" or type "chaoyang" / "cy". The tree holds only the codes in use today (an
abolished code stays valid on old ID numbers, see kiosk.domain.regions, but is not offered
as a place to come from). Data: python-stdnum's GB/T 2260 table; pinyin: pypinyin.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from stdnum import numdb
from sync.common.regions import PERIOD_NAME

# Placeholder prefecture names: the counties under them belong directly to the province.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位"})


@dataclass(frozen=True)
class Place:
    code: str  # 6 digits
    name: str  # its own name: 朝阳区
    full_name: str  # with its parents: 北京市朝阳区
    level: str  # 'province', 'city' or 'county'
    parent: str | None  # the code of the level above shown in the picker
    pinyin: tuple[str, ...]  # every reading: ('chaoyangqu', 'zhaoyangqu')
    initials: tuple[str, ...]  # ('cyq', 'zyq')

    def matches(self, query: str) -> bool:
        q = query.strip().lower().replace(" ", "")
        if not q:
            return False
        if q.isascii():
            return any(r.startswith(q) for r in self.pinyin + self.initials)
        return q in self.full_name


def _current_name(raw: str) -> str | None:
    """The name in use today, or None when the code is abolished."""
    latest = raw.split(",")[-1]
    match = PERIOD_NAME.match(latest)
    if match is None:
        return latest
    return None if match.group(2) else match.group(3)


@functools.cache
def places() -> tuple[Place, ...]:
    """Every place in use today, provinces first, in code order."""
    from pypinyin import Style, pinyin

    def py(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        # 朝阳 is cháoyáng, 长春 chángchūn: place names keep old readings, so offer each
        # reading of a character (at most 8 spellings a name)
        readings: list[str] = [""]
        for options in pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore"):
            readings = [r + o.lower() for r in readings for o in options[:2]][:8]
        initials: list[str] = [""]
        for options in pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors="ignore"):
            initials = [r + o.lower() for r in initials for o in options[:2]][:8]
        return tuple(dict.fromkeys(readings)), tuple(dict.fromkeys(initials))

    out: list[Place] = []
    for _len, prov_code, _hi, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province", "")
        if not province:
            continue
        pcode = f"{prov_code}0000"
        out.append(Place(pcode, province, province, "province", None, *py(province)))
        cities: dict[str, str] = {}
        for _l, suffix, _h, cprops, _c in children:
            name = _current_name(cprops.get("county", ""))
            if name is None or suffix == "0000" or name in _PLACEHOLDERS:
                continue
            code = f"{prov_code}{suffix}"
            if suffix.endswith("00"):
                cities[code] = name
                out.append(Place(code, name, f"{province}{name}", "city", pcode, *py(name)))
            else:
                city_code = f"{prov_code}{suffix[:2]}00"
                city = cities.get(city_code)
                parent = city_code if city else pcode
                full = f"{province}{city or ''}{name}"
                out.append(Place(code, name, full, "county", parent, *py(name)))
    return tuple(out)


def ready() -> bool:
    """Whether the table is built (building it takes about a second: do it off the UI thread)."""
    return places.cache_info().currsize > 0


@functools.cache
def _by_code() -> dict[str, Place]:
    return {p.code: p for p in places()}


@functools.cache
def _by_parent() -> dict[str | None, list[Place]]:
    out: dict[str | None, list[Place]] = {}
    for p in places():
        out.setdefault(p.parent, []).append(p)
    return out


def place(code: str) -> Place | None:
    return _by_code().get(code)


def children(code: str | None) -> list[Place]:
    """The provinces (code None), a province's cities and direct counties, or a city's counties."""
    return list(_by_parent().get(code, []))


def search(query: str, limit: int = 12) -> list[Place]:
    """Places whose name contains the characters, or whose pinyin (full or initials) starts with
    the letters; counties first (that is where people come from), then cities, then provinces."""
    rank = {"county": 0, "city": 1, "province": 2}
    found = [p for p in places() if p.matches(query)]
    q = query.strip().lower()
    found.sort(key=lambda p: (not (p.pinyin[0].startswith(q) or p.name.startswith(q)), rank[p.level], p.code))
    return found[:limit]
