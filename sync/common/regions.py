"""Region codes (GB/T 2260) and their names, offline, from python-stdnum's packaged data.

Old codes stay valid forever: an ID number keeps the code of the county that issued it
even after the county was merged or renamed, so a code is "known" if it ever existed.
Why stdnum: it is well kept, ships the full code history with the years each code was in
use, and is already our ID-number library.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from stdnum import numdb

# A county name tagged with the years it was in use: "[1990-]青羊区" (the region tree reads it too).
PERIOD_NAME = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True)
class Region:
    code: str
    province: str
    county: str  # the latest name used for this code ("" for a bare province code)
    abolished: bool  # the code is no longer assigned today (still valid on old IDs)

    @property
    def name(self) -> str:
        if not self.county or self.county == self.province:
            return self.province
        return f"{self.province}{self.county}"


@functools.lru_cache(maxsize=4096)
def lookup_region(code: str) -> Region | None:
    """The region for a 6-digit code, or None if the code never existed."""
    if len(code) != 6 or not code.isdigit():
        return None
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    if "province" not in info or "county" not in info:
        return None
    names = info["county"].split(",")
    latest, abolished = names[-1], False
    match = PERIOD_NAME.match(latest)
    if match:
        end, latest = match.group(2), match.group(3)
        abolished = bool(end)
    return Region(code=code, province=info["province"], county=latest, abolished=abolished)


def region_matches(origin_code: str, area_code: str) -> bool:
    """Does a person's stated origin fall inside a risk area?

    A risk area may be a county (110105), a prefecture (110100 -> 1101xx) or a province
    (110000 -> 11xxxx); trailing zero pairs widen the area.
    """
    if len(origin_code) != 6 or len(area_code) != 6:
        return False
    prefix = area_code
    if prefix.endswith("0000"):
        prefix = prefix[:2]
    elif prefix.endswith("00"):
        prefix = prefix[:4]
    return origin_code.startswith(prefix)
