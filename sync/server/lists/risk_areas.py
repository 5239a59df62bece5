"""The risk-area list (风险地区) that goes to every kiosk in the signed bundle: one owner of the
`risk_areas` table for the `kiosk-central risk set` command and the console's page. A region code must
exist in GB/T 2260 (python-stdnum's data, via sync.common.regions); setting level "none" removes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from sync.common.regions import lookup_region
from sync.server.lists import bundles
from sync.server.lists.tables import risk_areas

LEVELS = ("low", "medium", "high")


class RiskAreaError(ValueError):
    """An entry that cannot go on the list; the message says why, `problem` names it for translation."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem  # code-format | code-unknown | level | since


@dataclass(frozen=True)
class RiskArea:
    region_code: str
    name: str  # from GB/T 2260; "" if the code is unknown (only possible for rows written before this check)
    level: str
    since: str


def check(region_code: str, level: str, since: str) -> tuple[str, str, str]:
    """The cleaned (code, level, since) or RiskAreaError saying what is wrong."""
    code = region_code.strip()
    if len(code) != 6 or not code.isdigit():
        raise RiskAreaError("code-format", f"region code must be 6 digits (GB/T 2260), got {region_code!r}")
    if lookup_region(code) is None:
        raise RiskAreaError("code-unknown", f"region code {code} is not in GB/T 2260")
    if level not in (*LEVELS, "none"):
        raise RiskAreaError("level", f"level must be one of {', '.join(LEVELS)} or none, got {level!r}")
    try:
        day = date.fromisoformat(since.strip())
    except ValueError:
        raise RiskAreaError("since", f"since must be a date (YYYY-MM-DD), got {since!r}") from None
    return code, level, day.isoformat()


def set_level(conn: Connection, region_code: str, level: str, since: str, now_iso: str) -> str:
    """Put an area on the list at a level (or take it off with "none") and mark the bundle changed."""
    code, level, since = check(region_code, level, since)
    conn.execute(delete(risk_areas).where(risk_areas.c.region_code == code))
    if level != "none":
        conn.execute(risk_areas.insert().values(region_code=code, level=level, since=since))
    bundles.touch(conn, now_iso)
    return code


def listing(conn: Connection) -> list[RiskArea]:
    rows = conn.execute(select(risk_areas).order_by(risk_areas.c.region_code))
    out = []
    for r in rows:
        region = lookup_region(r.region_code)
        out.append(RiskArea(r.region_code, region.name if region else "", r.level, r.since))
    return out
