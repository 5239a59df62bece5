"""GateService: what the UI calls. scan/ID → verify → decide → record, then show.

Every method that produces an outcome commits the record (journal + outbox + projection
rows, one transaction) BEFORE it returns; if the write fails the caller gets the store's
error and must not show a result. The verifier is injected as `Callable[[str],
VerificationResult]`, the online check by ID number as a CodeChecker (None = offline).

The steps live beside it: gate_check.py (step 1: whose code, which colour; records nothing),
gate_admit.py (step 2: decide and record), gate_record.py (the records' bodies and
GateOutcome), gate_overrides.py (a guard's override or referral of a recorded pass) and
gate_parts.py (what the steps read from this service).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.identity import DocType
from kiosk.domain.models import CodeChecker, Colour, Direction, Mode, PersonKind
from kiosk.domain.policy import Decision, PolicyTable, override, refer_to_fever_clinic
from kiosk.domain.temperature import Measurement, Rules, Verdict, assess, remeasure_due
from kiosk.service import gate_admit, gate_check, modes
from kiosk.service.checks import Checked, IdEntry, Rechecked
from kiosk.service.duty import DutyRoster
from kiosk.service.gate_overrides import guard_decision
from kiosk.service.gate_parts import Verify
from kiosk.service.gate_record import GateOutcome
from kiosk.service.holder import roster_residents
from kiosk.service.people import PersonView
from kiosk.service.visitors import Visitor, VisitorForm, register_visitor
from kiosk.store import state
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.protocol.clock import Clock, utc_iso, utc_now

__all__ = ["GateOutcome", "GateRequest", "GateService", "Verify"]


@dataclass(frozen=True)
class GateRequest:
    direction: Direction = Direction.IN
    person_kind: PersonKind = PersonKind.RESIDENT
    qr_text: str | None = None  # a scanned code
    id_number: str | None = None  # the no-smartphone lane: the guard types the ID number
    id_type: DocType = DocType.CN_ID
    person_uuid: str | None = None  # picked from the roster, or a just-registered visitor
    attested_colour: Colour | None = None  # the colour the guard saw on the phone
    readings: tuple[Measurement, ...] = ()


class GateService:
    def __init__(
        self, store: Store, cfg: Mapping[str, Any], verify: Verify, clock: Clock = utc_now, *,
        checker: CodeChecker | None = None, vault: Vault | None = None,
    ) -> None:
        self.store, self.cfg, self.verify, self.clock, self.checker = store, cfg, verify, clock, checker
        self.vault = vault or Vault.for_config(cfg)
        self.duty = DutyRoster(store, clock)
        self.table = PolicyTable.from_settings(cfg)
        self.rules = Rules(cfg["temperature.fever_threshold"], cfg["temperature.low_threshold"],
                           float(cfg["thermometer.remeasure_pause_s"]))
        self.tz: str = cfg["kiosk.timezone"]

    # --- read-only helpers for the screens ---
    def assess(self, readings: tuple[Measurement, ...]) -> Verdict:
        return assess(readings, self.rules)

    def remeasure_due(self, readings: tuple[Measurement, ...]) -> dt.datetime | None:
        """When a fever may be re-measured with the contact thermometer (screen countdown)."""
        return remeasure_due(readings, self.rules)

    def mode(self) -> modes.ModeInfo:
        return modes.effective_mode(self.store.db, self.cfg["policy.mode"])

    def occupancy(self) -> modes.Occupancy:
        period = modes.period_start(self.clock(), self.tz, self.cfg["occupancy.reset_hour"])
        return modes.Occupancy(modes.current_occupancy(self.store.db, period), self.cfg["occupancy.capacity"])

    def set_mode(self, mode: Mode, by: str) -> modes.ModeInfo:
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            w.append("mode_change", {"mode": str(mode), "by": by, "source": "admin"}, created_at=now)
            state.put(w.db, state.MODE_ADMIN, str(mode), now)
        return self.mode()

    def register_visitor(self, form: VisitorForm) -> Visitor:
        return register_visitor(self.store, self.vault, form, self.clock, self.tz, self.duty.current_guard())

    # --- the gate pass, step 1: check (kiosk/service/gate_check.py) ----------------------
    def check(self, what: str | IdEntry | None, *, person_uuid: str | None = None) -> Checked:
        """Verify a scanned code (str) or an ID number (IdEntry), or a roster person without either
        (None + person_uuid), and find whom it belongs to. Records nothing."""
        return gate_check.check(self, what, person_uuid)

    def pick(self, checked: Checked, person_uuid: str) -> Checked:
        """The guard picked the person from the roster (or the code's candidates)."""
        return gate_check.pick(self, checked, person_uuid)

    def roster(self) -> list[PersonView]:
        return roster_residents(self.store.db)

    def recheck(self, checked: Checked) -> Checked:
        """The same check again, now (a check too old to trust)."""
        return gate_check.recheck(self, checked)

    # --- step 2: admit (kiosk/service/gate_admit.py) -----------------------------------
    def admit(
        self, checked: Checked, readings: tuple[Measurement, ...] = (), attested: Colour | None = None,
        direction: Direction = Direction.IN, *, person_kind: PersonKind = PersonKind.RESIDENT,
    ) -> GateOutcome:
        """Decide on exactly this check and commit the record before returning.

        A check older than codes.check_max_age_s is done again instead, and Rechecked (carrying
        the new check) is raised with nothing recorded: the guard must see the new result."""
        now = self.clock()
        age = checked.age_s(now)
        if age > float(self.cfg["codes.check_max_age_s"]):
            raise Rechecked(self.recheck(checked), age)
        return gate_admit.record(self, checked, readings, attested, direction, person_kind, now)

    def pass_gate(self, req: GateRequest) -> GateOutcome:
        """check + admit in one call (tests, benchmarks, the CLI)."""
        what: str | IdEntry | None = req.qr_text
        if what is None and req.id_number:
            what = IdEntry(req.id_number, req.id_type)
        checked = self.check(what, person_uuid=req.person_uuid)
        return self.admit(checked, req.readings, req.attested_colour, req.direction, person_kind=req.person_kind)

    # --- a guard's decision on a recorded pass (kiosk/service/gate_overrides.py) --------
    def override(self, entry_uuid: str, reason: str, pin: str) -> Decision:
        """The guard on duty lets a DENY/REVIEW pass: PIN typed again, a reason, and only
        where the policy allows it (red code, fever). Recorded before returning."""
        return guard_decision(self, entry_uuid, reason, pin, override)

    def refer_to_fever_clinic(self, entry_uuid: str, reason: str, pin: str) -> Decision:
        """A confirmed fever is referred to the fever clinic (the outcome stays DENY)."""
        return guard_decision(self, entry_uuid, reason, pin, refer_to_fever_clinic)
