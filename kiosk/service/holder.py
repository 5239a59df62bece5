"""Who a checked code belongs to, on this kiosk's roster.

The bundle's roster carries no ID numbers, only keyed look-up hashes and masked forms
(sync.protocol.roster_lookup_hash). A code that names its holder (a signed code: masked
name and masked ID; a platform answer: the same, masked by the server) is matched to the
residents with the same masked ID and masked name (both masked by kiosk.domain.masking,
on the server and here). One resident: that is the holder. Several, or a code that names
nobody (a DCC has no ID number): the guard picks from a short list or from the roster.
A typed ID number is matched exactly by its look-up hash (people.find_by_id_number).
"""

from __future__ import annotations

from typing import Any

from kiosk.domain.models import VerificationResult
from kiosk.service.people import _COLUMNS, PersonView, _view

MAX_ROSTER = 5000  # a community gate; more than this and the pick list needs a search first


def holder_candidates(db: Any, code: VerificationResult | None) -> list[PersonView]:
    """Residents whose masked ID (and masked name, if the code has one) equal the code's."""
    if code is None or not code.id_masked or "*" not in code.id_masked:
        return []  # no identity, or an unmasked value we must not compare against masked rows
    rows = db.execute(
        f"select {_COLUMNS} from people where kind = 'resident' and id_masked = ? order by name",  # noqa: S608
        [code.id_masked],
    ).fetchall()
    people = [_view(r) for r in rows]
    if code.holder_name_masked:
        people = [p for p in people if p.name_masked == code.holder_name_masked]
    return people


def roster_residents(db: Any, limit: int = MAX_ROSTER) -> list[PersonView]:
    """Every resident in building, unit, room order: the quick roster pick."""
    rows = db.execute(
        f"select {_COLUMNS} from people where kind = 'resident' order by building, unit, room, name limit ?",  # noqa: S608
        [limit],
    ).fetchall()
    return [_view(r) for r in rows]
