"""Key persons (重点人员): the key-group flags people carry and the report's categories.

The kiosk asks the flags on the visitor form and counts key persons in its daily report;
the central server sets them on the console's People page, ships them in the bundle and
monitors key persons day by day. Both read the same names and the same mapping from here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class KeyGroup(enum.StrEnum):
    """Key-group flags asked on the visitor form (the notice's four questions)."""

    RISK_AREA_14D = "risk-area-14d"
    INBOUND = "inbound"
    COLD_CHAIN = "cold-chain"
    RELEASED = "released-or-recovered"


KEY_GROUPS = (KeyGroup.RISK_AREA_14D, KeyGroup.INBOUND, KeyGroup.COLD_CHAIN, KeyGroup.RELEASED)


class KeyCategory(enum.StrEnum):
    """Key-person categories of the notice, in the order the report lists them."""

    RISK_AREA = "risk-area"  # arrived from a listed medium/high-risk area (or within 14 days of one)
    INBOUND = "inbound"  # entered from abroad
    COLD_CHAIN = "cold-chain"  # works with imported cold-chain goods
    RELEASED = "released"  # released from medical observation
    HOME_ISOLATION = "home-isolation"  # under home isolation (居家隔离)


# Person key-group flags (KeyGroup values, and the home-isolation flag) → report category.
_GROUP_CATEGORY = {
    KeyGroup.RISK_AREA_14D.value: KeyCategory.RISK_AREA,
    KeyGroup.INBOUND.value: KeyCategory.INBOUND,
    KeyGroup.COLD_CHAIN.value: KeyCategory.COLD_CHAIN,
    KeyGroup.RELEASED.value: KeyCategory.RELEASED,
    "home-isolation": KeyCategory.HOME_ISOLATION,
}
# A listed area at these levels makes an arrival a key person; 'low' areas do not.
KEY_RISK_LEVELS = frozenset({"medium", "high"})


def key_categories(key_groups: Iterable[str], risk_level: str | None) -> frozenset[KeyCategory]:
    """The categories one arrival falls in (empty: not a key person)."""
    cats = {_GROUP_CATEGORY[g] for g in key_groups if g in _GROUP_CATEGORY}
    if risk_level in KEY_RISK_LEVELS:
        cats.add(KeyCategory.RISK_AREA)
    return frozenset(cats)
