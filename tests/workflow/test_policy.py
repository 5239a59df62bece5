"""Admission policy: the table of cases, and properties that must hold for every input."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.models import (
    CodeFormat,
    CodeStatus,
    Colour,
    ColourSource,
    Direction,
    Mode,
    Outcome,
    PersonKind,
    Reason,
    VerificationResult,
)
from kiosk.domain.policy import (
    KEY_GROUPS,
    Decision,
    GateFacts,
    OverrideRefused,
    PolicyTable,
    decide,
    override,
    refer_to_fever_clinic,
)
from kiosk.domain.temperature import Verdict

P, R, D = Outcome.PASS, Outcome.REVIEW, Outcome.DENY
OUTCOME_FIELDS = [f for f, x in PolicyTable.__dataclass_fields__.items() if isinstance(x.default, Outcome)]


def code(colour: Colour = Colour.GREEN, status: CodeStatus = CodeStatus.VALID, source: ColourSource = ColourSource.SIGNED) -> VerificationResult:
    fmt = CodeFormat.CN_TOKEN if status is CodeStatus.UNVERIFIED else CodeFormat.CN_SIGNED
    return VerificationResult(fmt, status, colour, source)


GREEN = code()
UNVERIFIED = code(Colour.NONE, CodeStatus.UNVERIFIED, ColourSource.NONE)
OK = Verdict.NORMAL


@pytest.mark.parametrize(
    ("facts", "outcome", "reasons"),
    [
        (GateFacts(GREEN, OK), P, ()),
        (GateFacts(code(Colour.YELLOW), OK), R, (Reason.CODE_YELLOW,)),
        (GateFacts(code(Colour.RED), OK), D, (Reason.CODE_RED,)),
        (GateFacts(code(Colour.RED, CodeStatus.EXPIRED), OK), D, (Reason.CODE_RED,)),
        (GateFacts(code(Colour.NONE, CodeStatus.EXPIRED, ColourSource.NONE), OK), D, (Reason.CODE_INVALID,)),
        (GateFacts(code(Colour.NONE, CodeStatus.REVOKED, ColourSource.NONE), OK), D, (Reason.CODE_INVALID,)),
        (GateFacts(None, OK), R, (Reason.CODE_MISSING,)),
        (GateFacts(UNVERIFIED, OK), R, (Reason.CODE_UNVERIFIED,)),
        (GateFacts(UNVERIFIED, OK, attested_colour=Colour.GREEN, guard_on_duty=True), P, ()),
        (GateFacts(UNVERIFIED, OK, attested_colour=Colour.YELLOW, guard_on_duty=True), R, (Reason.CODE_UNVERIFIED, Reason.CODE_YELLOW)),
        # nobody signed in: the attested colour counts for nothing (red still denies)
        (GateFacts(UNVERIFIED, OK, attested_colour=Colour.GREEN), R, (Reason.NO_GUARD_ON_DUTY, Reason.CODE_UNVERIFIED)),
        (GateFacts(None, OK, attested_colour=Colour.GREEN), R, (Reason.NO_GUARD_ON_DUTY, Reason.CODE_MISSING)),
        (GateFacts(code(Colour.GREEN, CodeStatus.UNVERIFIED, ColourSource.ATTESTED), OK), R, (Reason.NO_GUARD_ON_DUTY, Reason.CODE_UNVERIFIED)),
        (GateFacts(UNVERIFIED, OK, attested_colour=Colour.RED), D, (Reason.CODE_RED,)),
        (GateFacts(None, OK, attested_colour=Colour.RED), D, (Reason.CODE_RED,)),
        (GateFacts(GREEN, Verdict.FEVER_CONFIRMED), D, (Reason.FEVER_CONFIRMED,)),
        (GateFacts(GREEN, Verdict.REMEASURE_FEVER), R, (Reason.FEVER_REMEASURE,)),
        (GateFacts(GREEN, Verdict.REMEASURE_LOW), R, (Reason.TEMPERATURE_LOW,)),
        (GateFacts(GREEN, Verdict.REMEASURE_BAD), R, (Reason.TEMPERATURE_BAD,)),
        (GateFacts(GREEN, Verdict.MISSING), R, (Reason.TEMPERATURE_MISSING,)),
        (GateFacts(GREEN, OK, mode=Mode.LOCKDOWN, on_roster=True), P, ()),
        (GateFacts(GREEN, OK, mode=Mode.LOCKDOWN, on_roster=False), R, (Reason.LOCKDOWN_NON_RESIDENT,)),
        (GateFacts(GREEN, OK, PersonKind.VISITOR, mode=Mode.LOCKDOWN), R, (Reason.LOCKDOWN_NON_RESIDENT,)),
        (GateFacts(GREEN, OK, PersonKind.STAFF, mode=Mode.LOCKDOWN), P, ()),
        (GateFacts(GREEN, OK, PersonKind.VISITOR, mode=Mode.LOCKDOWN, direction=Direction.OUT), P, ()),
        (GateFacts(GREEN, OK, PersonKind.VISITOR, key_groups=frozenset({"inbound"})), R, (Reason.KEY_GROUP,)),
        (GateFacts(GREEN, OK, PersonKind.VISITOR, risk_level="low"), P, ()),
        (GateFacts(GREEN, OK, PersonKind.VISITOR, risk_level="medium"), R, (Reason.RISK_AREA,)),
        (GateFacts(GREEN, OK, PersonKind.VISITOR, risk_level="high"), D, (Reason.RISK_AREA,)),
        (GateFacts(GREEN, OK, occupancy=49, capacity=50), P, ()),
        (GateFacts(GREEN, OK, occupancy=50, capacity=50), R, (Reason.AT_CAPACITY,)),
        (GateFacts(GREEN, OK, occupancy=500, capacity=0), P, ()),
        (GateFacts(GREEN, OK, occupancy=50, capacity=50, direction=Direction.OUT), P, ()),
        (GateFacts(code(Colour.RED), OK, direction=Direction.OUT), D, (Reason.CODE_RED,)),  # not even out
        (GateFacts(GREEN, Verdict.FEVER_CONFIRMED, direction=Direction.OUT), D, (Reason.FEVER_CONFIRMED,)),
        (GateFacts(code(Colour.YELLOW), Verdict.REMEASURE_LOW, direction=Direction.OUT), P, ()),
        (GateFacts(code(Colour.YELLOW), Verdict.REMEASURE_LOW), R, (Reason.CODE_YELLOW, Reason.TEMPERATURE_LOW)),
        (GateFacts(code(Colour.RED), Verdict.REMEASURE_LOW), D, (Reason.CODE_RED,)),
    ],
)
def test_default_table(facts: GateFacts, outcome: Outcome, reasons: tuple[Reason, ...]) -> None:
    decision = decide(facts)
    assert decision.outcome is outcome
    if outcome is D:
        assert set(reasons) <= set(decision.reasons)
    else:
        assert decision.reasons == reasons


@pytest.mark.parametrize(
    ("table", "facts", "outcome"),
    [
        (PolicyTable(code_yellow=D), GateFacts(code(Colour.YELLOW), OK), D),
        (PolicyTable(code_yellow=P), GateFacts(code(Colour.YELLOW), OK), P),
        (PolicyTable(lockdown_visitor=D), GateFacts(GREEN, OK, PersonKind.VISITOR, mode=Mode.LOCKDOWN), D),
        (PolicyTable(lockdown_staff=R), GateFacts(GREEN, OK, PersonKind.STAFF, mode=Mode.LOCKDOWN), R),
        (PolicyTable(unverified_attested_green=R), GateFacts(UNVERIFIED, OK, attested_colour=Colour.GREEN, guard_on_duty=True), R),
        # the most lenient table still never passes a colour nobody on duty vouches for
        (PolicyTable(**{f: P for f in OUTCOME_FIELDS}), GateFacts(UNVERIFIED, OK, attested_colour=Colour.GREEN), R),
        (PolicyTable(**{f: P for f in OUTCOME_FIELDS}), GateFacts(None, OK, attested_colour=Colour.GREEN), R),
        (PolicyTable(temperature_missing=P), GateFacts(GREEN, Verdict.MISSING), P),
        (PolicyTable(code_invalid=R), GateFacts(code(Colour.NONE, CodeStatus.UNTRUSTED), OK), R),
        (PolicyTable(check_exits=True), GateFacts(code(Colour.RED), OK, direction=Direction.OUT), D),
        # Red and fever are not configurable: the most lenient table still denies them.
        (PolicyTable(**{f: P for f in OUTCOME_FIELDS}), GateFacts(code(Colour.RED), OK), D),
        (PolicyTable(**{f: P for f in OUTCOME_FIELDS}), GateFacts(GREEN, Verdict.FEVER_CONFIRMED), D),
    ],
)
def test_configured_table(table: PolicyTable, facts: GateFacts, outcome: Outcome) -> None:
    assert decide(facts, table).outcome is outcome


def test_table_from_settings(cfg: object) -> None:
    from kiosk.config import Config

    assert isinstance(cfg, Config)
    assert PolicyTable.from_settings(cfg) == PolicyTable()
    changed = PolicyTable.from_settings(cfg.replace(policy__code_yellow="deny", policy__check_exits=True))
    assert changed.code_yellow is D and changed.check_exits is True


colours = st.sampled_from(list(Colour))
codes = st.one_of(
    st.none(),
    st.builds(
        VerificationResult,
        format=st.sampled_from(list(CodeFormat)),
        status=st.sampled_from(list(CodeStatus)),
        colour=colours,
        colour_source=st.sampled_from(list(ColourSource)),
    ),
)
facts_strategy = st.builds(
    GateFacts,
    code=codes,
    temperature=st.sampled_from(list(Verdict)),
    person_kind=st.sampled_from(list(PersonKind)),
    direction=st.sampled_from(list(Direction)),
    mode=st.sampled_from(list(Mode)),
    on_roster=st.booleans(),
    attested_colour=st.one_of(st.none(), colours),
    key_groups=st.frozensets(st.sampled_from([str(g) for g in KEY_GROUPS])),
    risk_level=st.sampled_from([None, "low", "medium", "high"]),
    occupancy=st.integers(0, 200),
    capacity=st.integers(0, 100),
    guard_on_duty=st.booleans(),
)
tables = st.builds(
    PolicyTable,
    **{f: st.sampled_from(list(Outcome)) for f in OUTCOME_FIELDS if f not in ("lockdown_visitor", "at_capacity")},
    check_exits=st.booleans(),
    override_red_code=st.booleans(),
    override_fever=st.sampled_from(["refer", "never"]),
)


def _verified(c: VerificationResult | None) -> bool:
    return (c is not None and c.status is CodeStatus.VALID and c.colour is not Colour.NONE
            and c.colour_source in (ColourSource.SIGNED, ColourSource.ONLINE))


def _red(f: GateFacts) -> bool:
    """Red by the code, or by the guard's report where no verified colour overrules it."""
    return (f.code is not None and f.code.colour is Colour.RED) or (f.attested_colour is Colour.RED and not _verified(f.code))


ONLINE_GREEN = code(Colour.GREEN, CodeStatus.VALID, ColourSource.ONLINE)


@pytest.mark.parametrize(
    ("facts", "outcome", "reasons", "flagged"),
    [
        (GateFacts(GREEN, OK, attested_colour=Colour.RED), P, (), True),  # signed green wins over a red report
        (GateFacts(ONLINE_GREEN, OK, attested_colour=Colour.RED), P, (), True),  # so does the platform's answer
        (GateFacts(GREEN, OK, attested_colour=Colour.YELLOW), P, (), True),
        (GateFacts(GREEN, OK, attested_colour=Colour.RED, direction=Direction.OUT), P, (), True),
        (GateFacts(code(Colour.RED), OK, attested_colour=Colour.GREEN), D, (Reason.CODE_RED,), True),  # and a verified red
        (GateFacts(code(Colour.YELLOW), OK, attested_colour=Colour.GREEN), R, (Reason.CODE_YELLOW,), True),
        (GateFacts(GREEN, OK, attested_colour=Colour.GREEN), P, (), False),  # the same colour: nothing to flag
        (GateFacts(GREEN, OK, attested_colour=Colour.NONE), P, (), False),  # no report
        (GateFacts(UNVERIFIED, OK, attested_colour=Colour.RED), D, (Reason.CODE_RED,), False),  # no verified colour: the report counts
        (GateFacts(None, OK, attested_colour=Colour.RED), D, (Reason.CODE_RED,), False),
    ],
)
def test_a_verified_code_wins_over_the_guards_report_which_is_flagged(
    facts: GateFacts, outcome: Outcome, reasons: tuple[Reason, ...], flagged: bool
) -> None:
    decision = decide(facts)
    assert (decision.outcome, decision.reasons) == (outcome, reasons)
    assert (Reason.ATTESTED_MISMATCH in decision.notes) is flagged
    assert Reason.ATTESTED_MISMATCH not in decision.reasons  # a note: it never changes the outcome


@settings(max_examples=300, deadline=None)
@given(facts_strategy, tables)
def test_the_report_never_changes_the_decision_on_a_verified_code(facts: GateFacts, table: PolicyTable) -> None:
    if not _verified(facts.code):
        return
    decision, unreported = decide(facts, table), decide(replace(facts, attested_colour=None), table)
    assert (decision.outcome, decision.reasons) == (unreported.outcome, unreported.reasons)
    differs = facts.attested_colour not in (None, Colour.NONE) and facts.code is not None and facts.attested_colour is not facts.code.colour
    assert (Reason.ATTESTED_MISMATCH in decision.notes) is differs


@settings(max_examples=400, deadline=None)
@given(facts_strategy, tables)
def test_red_passes_only_by_an_allowed_override_and_fever_never(facts: GateFacts, table: PolicyTable) -> None:
    decision = decide(facts, table)
    fever = facts.temperature is Verdict.FEVER_CONFIRMED
    if not (_red(facts) or fever):
        return
    assert decision.outcome is D
    red, fever = Reason.CODE_RED in decision.reasons, Reason.FEVER_CONFIRMED in decision.reasons
    if fever or (red and not table.override_red_code):
        with pytest.raises(OverrideRefused):
            override(decision, "王保安", "医生复核后放行", table)
    else:
        overridden = override(decision, "王保安", "医生复核后放行", table)
        assert overridden.outcome is P and overridden.overridden
        assert Reason.GUARD_OVERRIDE in overridden.reasons and overridden.override_by == "王保安"
        assert overridden.original_outcome is D
    if fever and table.override_fever == "refer":
        referred = refer_to_fever_clinic(decision, "王保安", "送发热门诊", table)
        assert referred.outcome is D and Reason.REFERRED_FEVER_CLINIC in referred.reasons and referred.overridden
    else:
        with pytest.raises(OverrideRefused):
            refer_to_fever_clinic(decision, "王保安", "送发热门诊", table)


def test_override_rules_default_to_the_safe_side() -> None:
    red, fever = decide(GateFacts(code(Colour.RED), OK)), decide(GateFacts(GREEN, Verdict.FEVER_CONFIRMED))
    with pytest.raises(OverrideRefused, match="red code"):
        override(red, "王", "熟人")
    assert override(red, "王", "熟人", PolicyTable(override_red_code=True)).outcome is P
    with pytest.raises(OverrideRefused, match="fever clinic"):
        override(fever, "王", "熟人", PolicyTable(override_red_code=True, override_fever="refer"))
    assert refer_to_fever_clinic(fever, "王", "送医").outcome is D
    with pytest.raises(OverrideRefused, match="override_fever"):
        refer_to_fever_clinic(fever, "王", "送医", PolicyTable(override_fever="never"))
    with pytest.raises(OverrideRefused, match="only a confirmed fever"):
        refer_to_fever_clinic(red, "王", "送医")


@settings(max_examples=400, deadline=None)
@given(facts_strategy, tables)
def test_every_deny_or_review_has_a_reason(facts: GateFacts, table: PolicyTable) -> None:
    decision = decide(facts, table)
    if decision.outcome is not P:
        assert decision.reasons
    assert not decision.overridden


@pytest.mark.parametrize(
    ("guard", "reason", "message"),
    [("", "ok reason", "name the guard"), ("王", "", "needs a reason"), ("王", " x ", "needs a reason")],
)
def test_override_needs_guard_and_reason(guard: str, reason: str, message: str) -> None:
    with pytest.raises(OverrideRefused, match=message):
        override(decide(GateFacts(code(Colour.YELLOW), OK)), guard, reason)


def test_override_of_a_pass_is_refused() -> None:
    with pytest.raises(OverrideRefused):
        override(Decision(P), "王", "why not")
