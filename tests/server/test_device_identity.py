"""Device identity on the server (issue 10): server-assigned ids bound to one-time codes, 409 for an
enrolled id, permanent revocation, key roll signed by the current secret, sealed secrets, private
files, one answer for unknown device and bad signature; and idempotent enrolment (issue 16 item 4)."""

from __future__ import annotations

import json
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import insert, select

from sync.protocol import PATH_BUNDLE, PATH_KEY_ROLL, new_device_secret, sign_request
from sync.server.db import make_engine
from sync.server.devices.tables import devices, enroll_codes
from tests.server.central import Central, Kiosk, enrol_body, error_of, new_store


def _bind_code(central: Central, device_id: str, code_hash: str = "") -> str:
    """A code bound to an id that already exists (not something `device add` makes): the worst case."""
    from sync.server.devices.enrol import _code_hash

    code = f"TEST-{uuid.uuid4().hex[:4].upper()}-{uuid.uuid4().hex[:4].upper()}"
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds")
    engine = make_engine(central.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(enroll_codes).values(code_hash=code_hash or _code_hash(code), label="", created_at=expires,
                                                     expires_at=expires, device_id=device_id))
    finally:
        engine.dispose()
    return code


def _roll(k: Kiosk, secret: str | None = None) -> requests.Response:
    return k.post(PATH_KEY_ROLL, b'{"protocol": 1}', headers={"Content-Type": "application/json"}, secret=secret)


def test_device_add_assigns_the_id_and_binds_the_code_to_it(central: Central, tmp_path: Path) -> None:
    out = central.cli("device", "add", "--community", "east-village", "--json", subprocess_=True)
    issued = json.loads(out.stdout)
    assert set(issued) == {"device_id", "enroll_code"}  # exactly one object
    store = new_store(tmp_path)
    resp = requests.post(central.url + "/v1/enroll", json=enrol_body(issued["enroll_code"], store.device_id), timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["device_id"] == issued["device_id"] != store.device_id
    assert resp.json()["community"] == "east-village" and len(resp.json()["roster_key"]) == 43
    # the kiosk names the printed id: it must be the code's
    other = json.loads(central.cli("device", "add", "--json").stdout)
    wrong = requests.post(central.url + "/v1/enroll", json=enrol_body(other["enroll_code"], store.device_id, device_id="gate-000000000000"), timeout=10)
    assert wrong.status_code == 403 and error_of(wrong)["code"] == "enroll-code-invalid"
    store.close()


def test_a_leaked_code_cannot_rotate_an_enrolled_gates_secret(kiosk: Kiosk, central: Central) -> None:
    code = central.enrol_code()
    taken = requests.post(central.url + "/v1/enroll", json=enrol_body(code, str(uuid.uuid4()), device_id=kiosk.device_id), timeout=10)
    assert taken.status_code == 409 and error_of(taken)["code"] == "already-enrolled"
    bound = _bind_code(central, kiosk.device_id)  # even a code bound to the enrolled id
    again = requests.post(central.url + "/v1/enroll", json=enrol_body(bound, str(uuid.uuid4())), timeout=10)
    assert again.status_code == 409 and error_of(again)["code"] == "already-enrolled"
    assert kiosk.get(PATH_BUNDLE).status_code == 200  # the gate's own secret still works


def test_revocation_is_permanent_and_enrolment_cannot_undo_it(kiosk: Kiosk, central: Central) -> None:
    central.cli("device", "revoke", kiosk.device_id)
    refused = kiosk.get(PATH_BUNDLE)
    assert refused.status_code == 403 and error_of(refused)["code"] == "device-revoked" and "revoked" in error_of(refused)["message"]
    code = _bind_code(central, kiosk.device_id)
    again = requests.post(central.url + "/v1/enroll", json=enrol_body(code, kiosk.journal_id), timeout=10)
    assert again.status_code == 403 and error_of(again)["code"] == "device-revoked"
    assert central.cli("device", "enable", kiosk.device_id, check=False).returncode == 2
    assert kiosk.get(PATH_BUNDLE).status_code == 403
    # another party learns nothing: with a wrong secret the revoked id looks like any unknown one
    stranger = kiosk.session.get(central.url + PATH_BUNDLE, headers=sign_request(kiosk.device_id, new_device_secret(), "GET", PATH_BUNDLE), timeout=10)
    assert stranger.status_code == 401 and error_of(stranger)["code"] == "unauthenticated"


def test_key_roll_needs_the_current_secret_and_retires_it_on_first_use(kiosk: Kiosk, central: Central) -> None:
    assert _roll(kiosk, secret=new_device_secret()).status_code == 401
    lost = _roll(kiosk)  # an answer the kiosk never got: asking again is harmless
    assert lost.status_code == 200
    answer = _roll(kiosk)
    assert answer.status_code == 200 and answer.json()["device_id"] == kiosk.device_id
    new = answer.json()["device_secret"]
    assert new not in (kiosk.secret, lost.json()["device_secret"])
    assert kiosk.get(PATH_BUNDLE).status_code == 200  # the old secret works until the new one is used
    old, kiosk.secret = kiosk.secret, new
    assert kiosk.get(PATH_BUNDLE).status_code == 200
    kiosk.secret = old
    assert kiosk.get(PATH_BUNDLE).status_code == 401
    kiosk.secret = lost.json()["device_secret"]  # the superseded roll never becomes valid
    assert kiosk.get(PATH_BUNDLE).status_code == 401


def test_unknown_device_and_bad_signature_get_the_same_answer(kiosk: Kiosk, central: Central) -> None:
    path = PATH_BUNDLE
    unknown = kiosk.session.get(central.url + path, headers=sign_request("gate-ffffffffffff", new_device_secret(), "GET", path), timeout=10)
    bad = kiosk.session.get(central.url + path, headers=sign_request(kiosk.device_id, new_device_secret(), "GET", path), timeout=10)
    assert unknown.status_code == bad.status_code == 401
    assert unknown.json() == bad.json() and error_of(bad)["code"] == "unauthenticated"
    # the server keeps the difference, in the log of refused (unauthenticated) requests
    refused = central.admin_get("/admin/refused")
    codes = {r["claimed_device"]: r["error_code"] for r in refused}
    assert codes[kiosk.device_id] == "bad-signature" and codes["gate-ffffffffffff"] == "unknown-device"
    assert not central.admin_get("/admin/sync-log", device=kiosk.device_id) or all(
        r["error_code"] != "bad-signature" for r in central.admin_get("/admin/sync-log", device=kiosk.device_id))
    assert central.admin_get("/admin/sync-log", device="gate-ffffffffffff") == []  # a claimed id gets no sync-log row


def test_secrets_are_sealed_and_the_files_private(kiosk: Kiosk, central: Central) -> None:
    engine = make_engine(central.db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(devices.c.secret).where(devices.c.device_id == kiosk.device_id)).scalar_one()
    finally:
        engine.dispose()
    assert stored.startswith("gAAAAA") and kiosk.secret not in stored
    key = central.data_dir / "secrets" / "device_secrets.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(central.data_dir.stat().st_mode) == 0o700
    if central.db_url.startswith("sqlite"):
        for name in ("central.db", "central.db-wal"):
            assert stat.S_IMODE((central.data_dir / name).stat().st_mode) == 0o600, name


def test_a_lost_enrolment_answer_does_not_burn_the_code(central: Central, tmp_path: Path) -> None:
    store = new_store(tmp_path)
    body = enrol_body(central.enrol_code(), store.device_id)
    first = requests.post(central.url + "/v1/enroll", json=body, timeout=10)
    repeat = requests.post(central.url + "/v1/enroll", json=body, timeout=10)  # the first answer was lost
    assert first.status_code == repeat.status_code == 200
    assert repeat.json()["device_id"] == first.json()["device_id"] and repeat.json()["device_secret"] == first.json()["device_secret"]
    thief = requests.post(central.url + "/v1/enroll", json=body | {"enroll_key": uuid.uuid4().hex}, timeout=10)
    assert thief.status_code == 403 and "already used" in error_of(thief)["message"]
    other_journal = requests.post(central.url + "/v1/enroll", json=body | {"journal_id": str(uuid.uuid4())}, timeout=10)
    assert other_journal.status_code == 403
    k = Kiosk(central, store, first.json()["device_id"], first.json()["device_secret"], first.json())
    assert k.get(PATH_BUNDLE).status_code == 200
    store.close()
