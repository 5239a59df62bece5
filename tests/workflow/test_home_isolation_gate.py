"""Home isolation at a kiosk's gate, from the list in its bundle: stopped going out, let home, alerted
on the lane; lifted by the date the kiosk holds even when no new bundle comes (issue 12)."""

from __future__ import annotations

import base64
from typing import Any

from kiosk.config import Config
from kiosk.domain.models import Direction, Outcome, Reason
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.duty import DutyRoster
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.db import Store
from kiosk.store.vault import Vault, save_roster_key
from sync.protocol import roster_lookup_hash
from sync.puller import apply_bundle
from tests.workflow.conftest import ID_DEAN, Clock, table_verify

UID = "roster-0001"
NORMAL = (Measurement(36.5, Method.INFRARED),)


def _bundle(store: Store, end: str, start: str = "2026-11-20", **entry: Any) -> None:
    apply_bundle(store, {
        "version": 1, "issued_at": "2026-11-27T00:00:00+00:00",
        "roster": [{"uuid": UID, "name": "赵敏", "id_hash": "", "id_masked": "", "building": "3", "room": "402"}],
        "isolation": [{"person_uuid": UID, "name_masked": "赵*", "building": "3", "room": "402", "start": start, "end": end, **entry}],
    }, f'"{end}"')


def _lane(store: Store) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in store.db.execute(
        "select json_extract(j.body, '$.kind'), l.state from alert_lane l join journal j on j.seq = l.seq order by l.seq")]


def test_stopped_going_out_let_home_and_both_alerted(gate: GateService, store: Store) -> None:
    DutyRoster(store).add_guard("王师傅", "010-12345678", pin="2580")
    DutyRoster(store).sign_in("王师傅", "2580")
    _bundle(store, end="2026-12-03")
    out = gate.pass_gate(GateRequest(direction=Direction.OUT, person_uuid=UID, qr_text="GREEN", readings=NORMAL))
    assert out.decision.outcome is Outcome.DENY and out.decision.reasons == (Reason.HOME_ISOLATION,)
    assert out.isolation is not None and out.isolation.end == "2026-12-03" and out.duty_phone == "010-12345678"
    back = gate.pass_gate(GateRequest(direction=Direction.IN, person_uuid=UID, qr_text="GREEN", readings=NORMAL))
    assert back.decision.outcome is Outcome.PASS and back.decision.notes == (Reason.HOME_ISOLATION,)
    assert _lane(store) == [("isolation-breach", "pending"), ("isolation-breach", "pending")]
    bodies = [r[0] for r in store.db.execute("select message from alerts order by created_at, rowid")]
    assert "exit attempt" in bodies[0] and "came home" in bodies[1]
    entries = [r[0] for r in store.db.execute("select outcome from gate_entries order by seq")]
    assert entries == ["deny", "pass"]  # recorded, both


def test_someone_else_and_the_unlisted_go_out_as_before(gate: GateService, store: Store) -> None:
    _bundle(store, end="2026-12-03")
    out = gate.pass_gate(GateRequest(direction=Direction.OUT, id_number=ID_DEAN, readings=NORMAL))
    assert out.decision.outcome is Outcome.PASS and out.isolation is None
    assert _lane(store) == []


def test_an_offline_kiosk_lifts_it_after_the_end_date_by_itself(gate: GateService, store: Store, clock: Clock) -> None:
    _bundle(store, end="2026-11-28")  # the clock says 2026-11-28 09:00 in Shanghai: the last day
    assert gate.pass_gate(GateRequest(direction=Direction.OUT, person_uuid=UID, qr_text="GREEN")).decision.outcome is Outcome.DENY
    clock.advance(hours=15)  # 2026-11-29 00:00 in Shanghai: over, and no bundle came since
    out = gate.pass_gate(GateRequest(direction=Direction.OUT, person_uuid=UID, qr_text="GREEN"))
    assert out.decision.outcome is Outcome.PASS and out.isolation is None


def test_not_yet_in_force_before_its_start(gate: GateService, store: Store) -> None:
    _bundle(store, start="2026-11-29", end="2026-12-12")
    assert gate.pass_gate(GateRequest(direction=Direction.OUT, person_uuid=UID, qr_text="GREEN")).decision.outcome is Outcome.PASS


def test_matched_by_the_typed_id_number_through_the_community_hash(store: Store, cfg: Config, clock: Clock) -> None:
    """Placed by ID number (not on the roster): the kiosk holds only the community-keyed hash."""
    raw = bytes(range(32))
    save_roster_key(cfg.data_dir, base64.urlsafe_b64encode(raw).decode("ascii"))
    vault = Vault.open(cfg.data_dir)
    apply_bundle(store, {"version": 1, "issued_at": "2026-11-27T00:00:00+00:00", "isolation": [
        {"id_hash": roster_lookup_hash(raw, "id", ID_DEAN), "id_masked": "360***********0071", "start": "2026-11-20", "end": "2026-12-03"}]},
        '"x"')
    gate = GateService(store, cfg, table_verify, clock, vault=vault)
    out = gate.pass_gate(GateRequest(direction=Direction.OUT, id_number=ID_DEAN.lower(), readings=NORMAL))
    assert out.decision.outcome is Outcome.DENY and Reason.HOME_ISOLATION in out.decision.reasons
    assert ID_DEAN not in "\n".join(store.db.iterdump())
