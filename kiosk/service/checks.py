"""The first step of a gate pass: what was checked, handed back to admit unchanged.

`GateService.check` returns a Checked; the screen shows it; `GateService.admit` records
exactly that check (no cache glues the two steps). A Checked older than
`codes.check_max_age_s` is not recorded: admit checks again and raises Rechecked with the
new result, which the screen shows before the guard records it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.domain.identity import DocType
from kiosk.domain.models import CodeStatus, VerificationResult
from kiosk.service.people import PersonView


@dataclass(frozen=True)
class IdEntry:
    """The no-smartphone lane: an ID number typed by the guard or read from an ID card."""

    number: str
    doc_type: DocType = DocType.CN_ID
    source: str = "typed"  # 'typed' or 'reader'

    def __repr__(self) -> str:  # never print a full ID number into a log
        return f"IdEntry(doc_type={self.doc_type!s}, source={self.source})"


@dataclass(frozen=True)
class Checked:
    lane: str  # 'scan', 'id-number', 'roster' or 'none'
    code: VerificationResult | None
    person: PersonView | None
    matched_by: str  # how the person was found: 'id-number', 'code-identity', 'given', 'picked' or ''
    checked_at: dt.datetime
    id_masked: str = ""
    id_cipher: bytes | None = field(default=None, repr=False)  # the ID number, encrypted (re-check)
    id_type: str = ""
    id_source: str = ""  # 'typed' or 'reader' for the ID lane
    qr_text: str | None = field(default=None, repr=False)
    candidates: tuple[PersonView, ...] = ()  # residents the code's masked identity fits (pick one)
    pick_roster: bool = False  # lockdown and nobody matched: offer the quick roster pick

    @property
    def unverified(self) -> bool:
        return self.code is not None and self.code.status is CodeStatus.UNVERIFIED

    @property
    def needs_attestation(self) -> bool:
        """Only a scanned code can be looked at: the ID lane has no phone to look at."""
        return self.lane == "scan" and self.unverified

    @property
    def offline_registration(self) -> bool:
        """The ID lane without an answer from the platform: registered, re-checked later."""
        return self.lane in ("id-number", "roster") and self.unverified

    @property
    def needs_pick(self) -> bool:
        return self.person is None and (bool(self.candidates) or self.pick_roster)

    def age_s(self, now: dt.datetime) -> float:
        return (now - self.checked_at).total_seconds()


class Rechecked(Exception):  # noqa: N818 - not an error: the pass goes on with the new check
    """admit found the check too old, checked again and recorded nothing: show `checked` first."""

    def __init__(self, checked: Checked, age_s: float) -> None:
        super().__init__(f"the check was {age_s:.0f} s old and was done again; show the new result before recording")
        self.checked = checked
        self.age_s = age_s
