"""A guard's decision on a recorded pass: an override (a DENY/REVIEW lets through) or a referral
to the fever clinic (the outcome stays DENY). The guard on duty types the PIN again and a
reason; the policy says where either is allowed. Recorded before returning."""

from __future__ import annotations

import json
from collections.abc import Callable

from kiosk.domain.identity import FieldError, validate_text
from kiosk.domain.masking import mask_text
from kiosk.domain.models import Outcome, Reason
from kiosk.domain.policy import Decision
from kiosk.service import modes
from kiosk.service.common import InvalidInput
from kiosk.service.gate_parts import GateParts
from kiosk.store.gate_entry_rows import project_guard_decision
from sync.protocol.clock import utc_iso


def guard_decision(gate: GateParts, entry_uuid: str, reason: str, pin: str, action: Callable[..., Decision]) -> Decision:
    """`action` is the policy's `override` or `refer_to_fever_clinic`."""
    row = gate.store.db.execute(
        "select outcome, reasons, direction, overridden from gate_entries where record_uuid = ?", [entry_uuid]
    ).fetchone()
    if row is None:
        raise InvalidInput([FieldError("entry_uuid", "unknown-entry", "找不到这条通行记录", "no such gate entry")])
    reason, problem = validate_text(reason, "reason", max_len=500)
    if problem:
        raise InvalidInput([problem])
    before = Decision(Outcome(row[0]), tuple(Reason(r) for r in json.loads(row[1])), overridden=bool(row[3]))
    action(before, "?", reason, gate.table)  # refused by the policy: say so before a PIN try is spent
    after = action(before, gate.duty.confirm_on_duty(pin), reason, gate.table)
    now = gate.clock()
    period = modes.period_start(now, gate.tz, gate.cfg["occupancy.reset_hour"])
    kind = "override" if after.outcome is Outcome.PASS else "referral"
    # the record leaves the kiosk: the free text is masked there; the full reason stays in gate_entries
    body = {"entry_uuid": entry_uuid, "guard": after.override_by, "reason": mask_text(after.override_reason),
            "original_outcome": str(before.outcome), "reasons": [str(r) for r in before.reasons],
            **({"to": "fever-clinic"} if kind == "referral" else {})}
    with gate.store.writing() as w:
        w.append(kind, body, created_at=utc_iso(now))
        project_guard_decision(w.db, body, after)
        if after.outcome is Outcome.PASS:
            modes.add_occupancy(w.db, period, 1 if row[2] == "in" else -1, utc_iso(now))
    return after
