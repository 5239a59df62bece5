"""The kiosk's side of device identity (issue 10) and of a lost enrolment answer (issue 16 item 4),
and the roster it receives: look-up hashes and masked forms only, still matched at the gate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.db import open_store
from kiosk.store.secrets import default_secrets_dir
from kiosk.store.vault import Vault
from sync import credentials, revoked
from sync.client import Step
from sync.factory import make_link, make_worker
from sync.protocol import PATH_BUNDLE, roster_lookup_hash
from sync.provision import ProvisionError, provision, roll_key
from sync.status import sync_status
from tests.sync.conftest import FAST, KioskUnderTest, Server
from tests.sync.faultproxy import Fault, FaultProxy
from tests.workflow.conftest import table_verify

ID = "11010519491231002X"
PHONE = "13800138000"


def test_a_lost_enrolment_answer_is_asked_again_with_the_same_code(server: Server, tmp_path: Path) -> None:
    proxy = FaultProxy(int(server.central.url.rsplit(":", 1)[1]), match="/v1/enroll")
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(tmp_path / "kiosk"), **FAST})
    store = open_store(cfg.db_path)
    try:
        code = server.enrol_code()
        proxy.push(Fault("lose_response"))  # the server enrols; the answer never arrives
        with pytest.raises(ProvisionError):
            provision(store, cfg.data_dir, proxy.url, code)
        creds, _ = provision(store, cfg.data_dir, proxy.url, code)  # the same code again: the same answer
        assert [s.path for s in proxy.seen] == ["/v1/enroll", "/v1/enroll"]
        assert server.device(creds.device_id).journal_id == store.device_id
        link = make_link(cfg, creds, store)
        assert link.request("GET", PATH_BUNDLE).status == 200
        link.close()
        assert not (cfg.data_dir / "secrets" / "enrol_pending.json").exists()
    finally:
        proxy.close()
        store.close()


def test_a_revoked_gate_stops_uploading_and_keeps_its_records(kiosk: KioskUnderTest, server: Server) -> None:
    kiosk.fill(3)
    assert kiosk.uploader().drain() == 0
    server.central.cli("device", "revoke", kiosk.creds.device_id)
    kiosk.fill(4)
    uploader = kiosk.uploader()
    assert uploader.step() is Step.REVOKED
    assert uploader.step() is Step.REVOKED  # and it does not ask again
    assert len(kiosk.proxy.batches()) == 2  # one upload before, one refused: nothing after
    status = sync_status(kiosk.cfg, kiosk.store)
    assert status["revoked"] is True and status["revoked_at"]
    assert status["pending"] == 4 and status["failed"] == 0 and status["sent"] == 3  # kept, not parked
    worker = make_worker(kiosk.cfg, kiosk.store)
    worker.run_round()
    assert worker.last_round is not None and worker.last_round.pulled is None and worker.last_round.unsent == 4
    assert revoked.revoked_at(kiosk.store) == status["revoked_at"]


def test_kiosk_rolls_its_key_with_the_current_one(kiosk: KioskUnderTest, server: Server) -> None:
    old = kiosk.creds
    rolled = roll_key(kiosk.cfg.data_dir, server_url=server.central.url)
    assert rolled.device_secret != old.device_secret and credentials.load(kiosk.cfg.data_dir).device_secret == rolled.device_secret
    kiosk.creds = rolled
    kiosk.fill(2)
    assert kiosk.uploader().drain() == 0  # the new secret works (and retires the old one)
    stale = make_link(kiosk.cfg, old, kiosk.store)
    assert stale.request("GET", PATH_BUNDLE).status == 401
    stale.close()


def test_the_bundle_carries_no_id_number_or_phone_and_the_gate_still_finds_the_resident(kiosk: KioskUnderTest, server: Server) -> None:
    uid = "roster-e2e-" + kiosk.creds.device_id
    server.central.cli("roster", "add", "--uuid", uid, "--name", "赵敏", "--id-number", ID, "--phone", PHONE, "--building", "3", "--room", "402")
    link = make_link(kiosk.cfg, kiosk.creds, kiosk.store)
    raw = link.request("GET", PATH_BUNDLE)
    link.close()
    assert raw.status == 200
    text = raw.content.decode("utf-8")
    for secret in (ID, ID.lower(), ID[:17], PHONE, PHONE[3:], "138-0013-8000"):
        assert secret not in text, secret
    payload = json.loads(json.loads(text)["payload"])
    person = next(p for p in payload["roster"] if p["uuid"] == uid)
    key = (default_secrets_dir(kiosk.cfg.data_dir) / "roster_lookup.key").read_bytes().strip()  # outside the data folder
    import base64

    assert person["id_hash"] == roster_lookup_hash(base64.urlsafe_b64decode(key), "id", ID)
    assert person["id_masked"] == "110***********002X" and person["phone_masked"] == "138****8000"

    make_worker(kiosk.cfg, kiosk.store).run_round()  # the kiosk pulls and applies it
    held = kiosk.store.db.execute("select id_cipher, phone_cipher, id_masked from people where uuid = ?", [uid]).fetchone()
    assert held is not None and held[0] is None and held[1] is None and held[2] == "110***********002X"
    dump = "\n".join(kiosk.store.db.iterdump())
    assert ID not in dump and PHONE not in dump

    # at the gate: the guard types the resident's ID number (lower-case x, spaces) and the roster matches
    gate = GateService(kiosk.store, kiosk.cfg, table_verify, lambda: dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC),
                       vault=Vault.open(kiosk.cfg.data_dir))
    out = gate.pass_gate(GateRequest(id_number="110105 19491231 002x", readings=(Measurement(36.5, Method.INFRARED),)))
    assert out.person is not None and out.person.uuid == uid and out.person.kind == "resident"
