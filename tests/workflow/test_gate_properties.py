"""Properties over the recorded data: what the journal and projections say, for random passes."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.models import Colour, Direction, Outcome, PersonKind, Reason
from kiosk.domain.policy import OverrideRefused
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.db import Store
from tests.workflow.conftest import GUARD_PIN, sign_in_guard

requests = st.builds(
    GateRequest,
    direction=st.sampled_from(list(Direction)),
    person_kind=st.sampled_from(list(PersonKind)),
    qr_text=st.one_of(st.none(), st.sampled_from(["GREEN:a", "YELLOW:b", "RED:c", "EXPIRED:d", "TOKEN:e", "junk"])),
    attested_colour=st.one_of(st.none(), st.sampled_from([Colour.GREEN, Colour.YELLOW, Colour.RED])),
    readings=st.lists(
        st.builds(Measurement, value_c=st.floats(25, 50, allow_nan=False), method=st.sampled_from(list(Method))), max_size=3
    ).map(tuple),
)
actions = st.lists(st.tuples(requests, st.booleans()), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions)
def test_red_or_fever_never_passes_and_every_override_is_recorded(gate: GateService, store: Store, steps: list[tuple[GateRequest, bool]]) -> None:
    """Default policy: a guard cannot let a red code or a confirmed fever through at all."""
    sign_in_guard(gate)
    for req, try_override in steps:
        out = gate.pass_gate(req)
        if try_override and out.decision.outcome is not Outcome.PASS:
            try:
                gate.override(out.entry_uuid, "值班长电话确认", GUARD_PIN)
            except OverrideRefused:
                assert {Reason.CODE_RED, Reason.FEVER_CONFIRMED} & set(out.decision.reasons)
    rows = store.db.execute(
        "select record_uuid, direction, code_colour, fever_confirmed, outcome, overridden, reasons, original_outcome from gate_entries"
    ).fetchall()
    overrides = {json.loads(b)["entry_uuid"] for (b,) in store.db.execute("select body from journal where kind = 'override'")}
    for uuid, _direction, colour, fever, outcome, overridden, reasons, _original in rows:
        assert not ((colour == "red" or fever) and outcome == "pass"), "a red code or a confirmed fever passed"
        if overridden:
            assert uuid in overrides and outcome == "pass"
        if outcome != "pass" or overridden:
            assert json.loads(reasons), "every DENY/REVIEW (and every override) carries a reason"
    assert store.check() == []
    assert store.db.execute("select count(*) from outbox").fetchone()[0] == store.db.execute("select count(*) from journal").fetchone()[0]
