"""Home isolation in the admission policy: stopped on the way out, let home on the way in (issue 12)."""

from __future__ import annotations

import pytest

from kiosk.domain.models import (
    CodeFormat,
    CodeStatus,
    Colour,
    ColourSource,
    Direction,
    Outcome,
    Reason,
    VerificationResult,
)
from kiosk.domain.policy import GateFacts, PolicyTable, decide
from kiosk.domain.temperature import Verdict

P, R, D = Outcome.PASS, Outcome.REVIEW, Outcome.DENY
GREEN = VerificationResult(CodeFormat.CN_SIGNED, CodeStatus.VALID, Colour.GREEN, ColourSource.SIGNED)
RED = VerificationResult(CodeFormat.CN_SIGNED, CodeStatus.VALID, Colour.RED, ColourSource.SIGNED)
OUT, IN = Direction.OUT, Direction.IN
EXITS_CHECKED = PolicyTable(check_exits=True)


@pytest.mark.parametrize(
    ("facts", "table", "outcome", "reasons", "notes"),
    [
        # out: stopped, whatever the code and however exits are checked
        (GateFacts(GREEN, Verdict.NORMAL, direction=OUT, home_isolation=True), None, D, (Reason.HOME_ISOLATION,), ()),
        (GateFacts(GREEN, Verdict.MISSING, direction=OUT, home_isolation=True), None, D, (Reason.HOME_ISOLATION,), ()),
        (GateFacts(None, Verdict.MISSING, direction=OUT, home_isolation=True), None, D, (Reason.HOME_ISOLATION,), ()),
        (GateFacts(GREEN, Verdict.NORMAL, direction=OUT, home_isolation=True), EXITS_CHECKED, D, (Reason.HOME_ISOLATION,), ()),
        (GateFacts(RED, Verdict.NORMAL, direction=OUT, home_isolation=True), None, D, (Reason.HOME_ISOLATION, Reason.CODE_RED), ()),
        # in: coming home passes, noted
        (GateFacts(GREEN, Verdict.NORMAL, direction=IN, home_isolation=True), None, P, (), (Reason.HOME_ISOLATION,)),
        # in: the other rules still hold
        (GateFacts(RED, Verdict.NORMAL, direction=IN, home_isolation=True), None, D, (Reason.CODE_RED,), (Reason.HOME_ISOLATION,)),
        (GateFacts(GREEN, Verdict.FEVER_CONFIRMED, direction=IN, home_isolation=True), None, D, (Reason.FEVER_CONFIRMED,), (Reason.HOME_ISOLATION,)),
        # not isolated: exits only counted, as before
        (GateFacts(GREEN, Verdict.MISSING, direction=OUT), None, P, (), ()),
        (GateFacts(GREEN, Verdict.NORMAL, direction=IN), None, P, (), ()),
    ],
)
def test_home_isolation_table(facts: GateFacts, table: PolicyTable | None, outcome: Outcome,
                              reasons: tuple[Reason, ...], notes: tuple[Reason, ...]) -> None:
    decision = decide(facts, table)
    assert decision.outcome is outcome
    assert decision.reasons == reasons
    assert decision.notes == notes
