"""The admission policy: facts about one gate pass in, PASS / DENY / REVIEW with reasons out.

Pure and total: `decide` never raises. Which outcome each case gets comes from a policy
table (settings `policy.*`); two rules are not configurable because the notice makes
them absolute: a red code and a confirmed fever are DENY. A guard override, with a reason
and the guard's name, turns a DENY/REVIEW into PASS only where the policy allows it: a red
code only with `override_red_code`, a confirmed fever never (at most a referral to the
fever clinic). The override stays in the decision (and so in the record).
A person under home isolation is DENY on the way out (however exits are otherwise
checked) and PASS with a note on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# The key-group flags are shared with the central server (sync.common.key_persons); re-exported here.
from sync.common.key_persons import KEY_GROUPS as KEY_GROUPS
from sync.common.key_persons import KeyGroup as KeyGroup

from kiosk.domain.models import (
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
from kiosk.domain.temperature import Verdict

_RANK = {Outcome.PASS: 0, Outcome.REVIEW: 1, Outcome.DENY: 2}


@dataclass(frozen=True)
class PolicyTable:
    """Outcome per configurable case. Defaults are the safe ones."""

    code_yellow: Outcome = Outcome.REVIEW
    code_invalid: Outcome = Outcome.DENY
    code_missing: Outcome = Outcome.REVIEW
    unverified_attested_green: Outcome = Outcome.PASS
    unverified_attested_yellow: Outcome = Outcome.REVIEW
    unverified_unattested: Outcome = Outcome.REVIEW
    temperature_missing: Outcome = Outcome.REVIEW
    lockdown_visitor: Outcome = Outcome.REVIEW
    lockdown_staff: Outcome = Outcome.PASS
    key_group: Outcome = Outcome.REVIEW
    risk_area_low: Outcome = Outcome.PASS
    risk_area_medium: Outcome = Outcome.REVIEW
    risk_area_high: Outcome = Outcome.DENY
    at_capacity: Outcome = Outcome.REVIEW
    check_exits: bool = False
    override_red_code: bool = False  # may a guard let a red code through?
    override_fever: str = "refer"  # a confirmed fever: "refer" (to the fever clinic, never a pass) or "never"

    @classmethod
    def from_settings(cls, cfg: Mapping[str, Any]) -> PolicyTable:
        """Read `policy.<field>` for every field present in the mapping."""
        values: dict[str, Any] = {}
        for name, f in cls.__dataclass_fields__.items():
            key = f"policy.{name}"
            if key in cfg:
                values[name] = Outcome(cfg[key]) if isinstance(f.default, Outcome) else cfg[key]
        return cls(**values)


@dataclass(frozen=True)
class GateFacts:
    """Everything the policy needs to know about one pass."""

    code: VerificationResult | None
    temperature: Verdict
    person_kind: PersonKind = PersonKind.RESIDENT
    direction: Direction = Direction.IN
    mode: Mode = Mode.NORMAL
    on_roster: bool = False
    attested_colour: Colour | None = None
    key_groups: frozenset[str] = frozenset()
    risk_level: str | None = None  # level of a risk area the person's origin falls in
    occupancy: int = 0
    capacity: int = 0  # 0 = no limit
    guard_on_duty: bool = False  # a guard is signed in: only then does an attested colour count
    home_isolation: bool = False  # on the home-isolation list today (居家隔离医学观察)
    offline_registration: bool = False  # no-smartphone lane, no answer from the platform: registered, re-checked later


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()  # why it is not PASS (or was overridden)
    notes: tuple[Reason, ...] = ()  # noted but did not change the outcome
    overridden: bool = False
    override_by: str = ""
    override_reason: str = ""
    original_outcome: Outcome | None = None


class OverrideRefused(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.zh, self.en = zh, en


@dataclass
class _Tally:
    steps: list[tuple[Outcome, Reason]] = field(default_factory=list)

    def add(self, outcome: Outcome, reason: Reason) -> None:
        self.steps.append((outcome, reason))


def verified(code: VerificationResult | None) -> bool:
    """The verifier itself established the colour (signature or online check)."""
    return (code is not None and code.status is CodeStatus.VALID and code.colour is not Colour.NONE
            and code.colour_source in (ColourSource.SIGNED, ColourSource.ONLINE))


def _attested(facts: GateFacts, t: _Tally) -> Colour | None:
    """The guard's reported colour, where it counts. For a verified code the verified
    result wins: a different report changes nothing but is noted (ATTESTED_MISMATCH)."""
    code, seen = facts.code, facts.attested_colour
    seen = None if seen is Colour.NONE else seen
    if code is not None and verified(code):
        if seen is not None and seen is not code.colour:
            t.add(Outcome.PASS, Reason.ATTESTED_MISMATCH)
        return None
    if code is not None and code.colour_source is ColourSource.ATTESTED and seen is None:
        return code.colour
    return seen


def _code(facts: GateFacts, table: PolicyTable, t: _Tally) -> None:
    code = facts.code
    attested = _attested(facts, t)
    if attested is not None and attested is not Colour.RED and not facts.guard_on_duty:
        # Nobody signed in vouches for the colour: it counts for nothing, and never for a PASS.
        t.add(Outcome.REVIEW, Reason.NO_GUARD_ON_DUTY)
        attested = None
    if code is None:
        if attested is Colour.RED:
            t.add(Outcome.DENY, Reason.CODE_RED)
        else:
            t.add(table.code_missing, Reason.CODE_MISSING)
        return
    if code.colour is Colour.RED or attested is Colour.RED:
        t.add(Outcome.DENY, Reason.CODE_RED)
        return
    if code.status is CodeStatus.VALID:
        if code.colour is Colour.YELLOW:
            t.add(table.code_yellow, Reason.CODE_YELLOW)
        return
    if code.status is CodeStatus.UNVERIFIED:
        if attested is Colour.GREEN:
            t.add(table.unverified_attested_green, Reason.CODE_UNVERIFIED)
        elif attested is Colour.YELLOW:
            t.add(table.unverified_attested_yellow, Reason.CODE_UNVERIFIED)
            t.add(table.unverified_attested_yellow, Reason.CODE_YELLOW)
        elif facts.offline_registration:
            # No phone to look at: a rostered resident passes on the registration (re-checked by
            # ID number when online); anyone else waits for a person to decide.
            resident = facts.person_kind is PersonKind.RESIDENT and facts.on_roster
            t.add(Outcome.PASS if resident else Outcome.REVIEW, Reason.CODE_UNVERIFIED)
        else:
            t.add(table.unverified_unattested, Reason.CODE_UNVERIFIED)
        return
    t.add(table.code_invalid, Reason.CODE_INVALID)


_TEMPERATURE = {
    Verdict.FEVER_CONFIRMED: (Outcome.DENY, Reason.FEVER_CONFIRMED),
    Verdict.REMEASURE_FEVER: (Outcome.REVIEW, Reason.FEVER_REMEASURE),
    Verdict.REMEASURE_LOW: (Outcome.REVIEW, Reason.TEMPERATURE_LOW),
    Verdict.REMEASURE_BAD: (Outcome.REVIEW, Reason.TEMPERATURE_BAD),
}


def decide(facts: GateFacts, table: PolicyTable | None = None) -> Decision:
    """The outcome for one pass: the strictest of every rule that applies."""
    table = table or PolicyTable()
    t = _Tally()
    if facts.home_isolation:
        # Absolute like a red code: a person under home isolation does not go out; coming home
        # is let through and only noted (the alert says so).
        t.add(Outcome.DENY if facts.direction is Direction.OUT else Outcome.PASS, Reason.HOME_ISOLATION)
    if facts.direction is Direction.OUT and not table.check_exits:
        # Exits are only counted, except for the two absolute rules: someone with a red
        # code or a confirmed fever must not walk out unchecked either.
        red = (facts.code is not None and facts.code.colour is Colour.RED) or _attested(facts, t) is Colour.RED
        if red:
            t.add(Outcome.DENY, Reason.CODE_RED)
        if facts.temperature is Verdict.FEVER_CONFIRMED:
            t.add(Outcome.DENY, Reason.FEVER_CONFIRMED)
        return _combine(t)
    _code(facts, table, t)
    if facts.temperature in _TEMPERATURE:
        t.add(*_TEMPERATURE[facts.temperature])
    elif facts.temperature is Verdict.MISSING:
        t.add(table.temperature_missing, Reason.TEMPERATURE_MISSING)
    if facts.mode is Mode.LOCKDOWN and facts.direction is Direction.IN:
        if facts.person_kind is PersonKind.STAFF:
            if table.lockdown_staff is not Outcome.PASS:
                t.add(table.lockdown_staff, Reason.LOCKDOWN_NON_RESIDENT)
        elif not (facts.person_kind is PersonKind.RESIDENT and facts.on_roster):
            t.add(table.lockdown_visitor, Reason.LOCKDOWN_NON_RESIDENT)
    if facts.key_groups:
        t.add(table.key_group, Reason.KEY_GROUP)
    if facts.risk_level in ("low", "medium", "high"):
        t.add(getattr(table, f"risk_area_{facts.risk_level}"), Reason.RISK_AREA)
    if facts.capacity > 0 and facts.direction is Direction.IN and facts.occupancy >= facts.capacity:
        t.add(table.at_capacity, Reason.AT_CAPACITY)
    return _combine(t)


def _combine(t: _Tally) -> Decision:
    """The strictest outcome; the reasons that led to it or to any non-PASS step."""
    outcome = max((o for o, _ in t.steps), key=_RANK.__getitem__, default=Outcome.PASS)
    reasons = tuple(dict.fromkeys(r for o, r in t.steps if o is not Outcome.PASS))
    notes = tuple(dict.fromkeys(r for o, r in t.steps if o is Outcome.PASS))
    return Decision(outcome, reasons, notes)


def _check_override(decision: Decision, guard: str, reason: str) -> None:
    if decision.overridden:
        raise OverrideRefused("已经人工处理过", "this pass was already handled by a guard")
    if decision.outcome is Outcome.PASS:
        raise OverrideRefused("已经放行，无需人工放行", "the pass was already allowed; nothing to override")
    if not guard.strip():
        raise OverrideRefused("人工放行须记录值守人员", "an override must name the guard on duty")
    if len(reason.strip()) < 2:
        raise OverrideRefused("人工放行须填写理由", "an override needs a reason")


def override(decision: Decision, guard: str, reason: str, table: PolicyTable | None = None) -> Decision:
    """A guard lets a DENY/REVIEW pass: only with the guard's name and a reason, and only
    where the policy allows it (a red code if `override_red_code`; a confirmed fever never)."""
    table = table or PolicyTable()
    _check_override(decision, guard, reason)
    if Reason.CODE_RED in decision.reasons and not table.override_red_code:
        raise OverrideRefused("红码不可人工放行（策略设置）", "a red code cannot be let through (policy.override_red_code)")
    if Reason.FEVER_CONFIRMED in decision.reasons:
        raise OverrideRefused("发热确认者不可放行，只能转送发热门诊", "a confirmed fever is never let through: refer the person to the fever clinic")
    return replace(
        decision,
        outcome=Outcome.PASS,
        reasons=(*decision.reasons, Reason.GUARD_OVERRIDE),
        overridden=True,
        override_by=guard.strip(),
        override_reason=reason.strip(),
        original_outcome=decision.outcome,
    )


def refer_to_fever_clinic(decision: Decision, guard: str, reason: str, table: PolicyTable | None = None) -> Decision:
    """A confirmed fever is sent on to the fever clinic (escorted), recorded with guard and
    reason; the outcome stays DENY: the person does not enter the community."""
    table = table or PolicyTable()
    _check_override(decision, guard, reason)
    if Reason.FEVER_CONFIRMED not in decision.reasons:
        raise OverrideRefused("只有发热确认者才转送发热门诊", "only a confirmed fever is referred to the fever clinic")
    if table.override_fever != "refer":
        raise OverrideRefused("策略不允许人工处理发热", "the policy does not allow a guard to handle a fever (policy.override_fever)")
    return replace(
        decision,
        reasons=(*decision.reasons, Reason.REFERRED_FEVER_CLINIC),
        overridden=True,
        override_by=guard.strip(),
        override_reason=reason.strip(),
        original_outcome=decision.outcome,
    )
