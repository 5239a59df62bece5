"""`gate_entries` rows: the one module that inserts and updates them.

A row is projected from the body the journal got (`gate_entry`, and then `override` or
`referral` on the same entry), inside the caller's transaction, so the admin's table and the
record never say different things. Deleting rows stays with retention.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kiosk.domain.policy import Decision
from kiosk.domain.temperature import Verdict
from kiosk.store.db import Record

# The verdicts whose last reading is the entry's temperature; the others leave it empty.
_TEMPERATURE_SHOWN = frozenset({Verdict.NORMAL, Verdict.FEVER_CONFIRMED, Verdict.REMEASURE_FEVER})


def project_gate_entry(db: Any, rec: Record, body: Mapping[str, Any]) -> None:
    """The `gate_entries` row of a `gate_entry` record."""
    code = body["code"]
    verdict = Verdict(body["temperature"]["verdict"])
    readings = body["temperature"]["readings"]
    db.execute(
        "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, person_uuid, code_format,"
        " code_status, code_colour, colour_source, temperature_c, fever_confirmed, outcome, reasons, guard, lane,"
        " key_group, risk_level) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [rec.uuid, rec.seq, rec.created_at, body["direction"], body["person_kind"], body["person_uuid"],
         code["format"] if code else None, code["status"] if code else None, body["colour"], body["colour_source"],
         readings[-1]["value_c"] if readings and verdict in _TEMPERATURE_SHOWN else None,
         int(verdict is Verdict.FEVER_CONFIRMED), body["outcome"], json.dumps(body["reasons"]), body["guard"],
         body["lane"], int(bool(body["key_groups"])), body["risk_level"]],
    )


def project_guard_decision(db: Any, body: Mapping[str, Any], after: Decision) -> None:
    """An `override` or `referral` record on its entry's row.

    The record leaves the kiosk with the reason masked: the row keeps the reason in full, and the
    decision's new outcome and reasons (the record carries the original ones)."""
    db.execute(
        "update gate_entries set outcome = ?, overridden = 1, original_outcome = ?, override_reason = ?,"
        " reasons = ?, guard = ? where record_uuid = ?",
        [str(after.outcome), body["original_outcome"], after.override_reason,
         json.dumps([str(r) for r in after.reasons]), body["guard"], body["entry_uuid"]],
    )
