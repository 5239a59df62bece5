"""Roster people from a bundle (hashes and masked forms) are found by the gate's own look-up."""

from __future__ import annotations

import secrets

from kiosk.config import Config
from kiosk.service.people import find_by_id_number
from kiosk.store.db import Store
from kiosk.store.vault import Vault, save_roster_key
from sync.protocol import roster_lookup_hash
from sync.puller import apply_bundle

ID = "11010519491231002X"


def test_a_bundle_resident_is_found_by_the_number_typed_at_the_gate(cfg: Config, store: Store) -> None:
    key = secrets.token_bytes(32)
    import base64

    save_roster_key(cfg.data_dir, base64.urlsafe_b64encode(key).decode())
    vault = Vault.open(cfg.data_dir)
    bundle = {
        "version": 1,
        "issued_at": "2026-11-28T00:00:00+00:00",
        "roster": [{"uuid": "r-1", "name": "赵敏", "id_hash": roster_lookup_hash(key, "id", ID), "id_masked": "110***********002X",
                    "phone_hash": roster_lookup_hash(key, "phone", "13800138000"), "phone_masked": "138****8000",
                    "building": "3", "unit": "1", "room": "402"}],
        "risk_areas": [],
        "policy": {"mode": "normal"},
    }
    apply_bundle(store, bundle, '"e1"')
    person = find_by_id_number(store.db, vault, ID)
    assert person is not None and person.name == "赵敏"
    assert find_by_id_number(store.db, vault, "110105194912310037") is None
    row = store.db.execute("select id_cipher, id_masked, phone_cipher, phone_masked from people").fetchone()
    assert row == (None, "110***********002X", None, "138****8000")
    # without the community key (a kiosk enrolled before it existed) the hash cannot match
    assert find_by_id_number(store.db, Vault.open(cfg.data_dir / "other"), ID) is None
