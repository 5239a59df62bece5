"""A gate pass's projection rows are its journal records' bodies, projected: replaying the journal
through the tables' owners gives back the very rows the pass wrote."""

from __future__ import annotations

import json

from kiosk.domain.models import Direction
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.db import Record, Store
from kiosk.store.gate_entry_rows import project_gate_entry
from kiosk.store.temperature_rows import project_temperature
from tests.workflow.conftest import sign_in_guard

PASSES = [
    GateRequest(qr_text="GREEN:a", readings=(Measurement(36.5, Method.INFRARED),)),
    GateRequest(qr_text="RED:b", readings=(Measurement(36.6, Method.KEYPAD),), direction=Direction.OUT),
    GateRequest(qr_text="GREEN:c", readings=(Measurement(37.8, Method.INFRARED), Measurement(37.6, Method.CONTACT))),
    GateRequest(qr_text="TOKEN:d", readings=(Measurement(52.0, Method.INFRARED), Measurement(float("nan"), Method.KEYPAD))),
    GateRequest(qr_text="YELLOW:e", readings=(Measurement(34.2, Method.INFRARED),)),
    GateRequest(qr_text="TOKEN:f"),
]
PROJECTORS = {"gate_entry": ("gate_entries", project_gate_entry), "temperature": ("temperature_readings", project_temperature)}


def _rows(store: Store, table: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in store.db.execute(f"select * from {table} order by seq").fetchall()]  # noqa: S608


def test_replaying_the_journal_through_the_owners_gives_back_the_rows(gate: GateService, store: Store) -> None:
    sign_in_guard(gate)
    for req in PASSES:
        gate.pass_gate(req)
    written = {table: _rows(store, table) for table, _ in PROJECTORS.values()}
    assert len(written["gate_entries"]) == len(PASSES) and len(written["temperature_readings"]) == 7
    journal = store.db.execute("select seq, uuid, kind, created_at, body, prev_hash, hash from journal"
                               " where kind in ('gate_entry', 'temperature') order by seq").fetchall()
    with store.writing() as w:
        for table, _ in PROJECTORS.values():
            w.db.execute(f"delete from {table}")  # noqa: S608
        for row in journal:
            rec = Record(*row)
            _, project = PROJECTORS[rec.kind]
            project(w.db, rec, json.loads(rec.body))
    assert {table: _rows(store, table) for table, _ in PROJECTORS.values()} == written
