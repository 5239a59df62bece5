"""Roster people from a bundle are found by the gate's own look-up (normalised numbers)."""

from __future__ import annotations

from kiosk.config import Config
from kiosk.service.people import find_by_id_number
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.puller import apply_bundle

ID = "11010519491231002X"


def test_a_lower_case_x_or_spaces_in_the_bundle_still_match_at_the_gate(cfg: Config, store: Store) -> None:
    vault = Vault.open(cfg.data_dir)
    bundle = {
        "version": 1,
        "issued_at": "2026-11-28T00:00:00+00:00",
        "roster": [{"uuid": "r-1", "name": "赵敏", "id_number": " 110105 19491231 002x ", "phone": "+86 138-0013-8000",
                    "building": "3", "unit": "1", "room": "402"}],
        "risk_areas": [],
        "policy": {"mode": "normal"},
    }
    apply_bundle(store, bundle, '"e1"', vault)
    person = find_by_id_number(store.db, vault, ID)
    assert person is not None and person.name == "赵敏"
    row = store.db.execute("select id_cipher, id_masked, phone_cipher, phone_masked from people").fetchone()
    assert vault.reveal(row[0]) == ID
    assert vault.reveal(row[2]) == "13800138000"
    assert ID not in (row[1] or "") and "13800138000" not in (row[3] or "")
