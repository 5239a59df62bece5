"""Bundle pulls (ETag, pinned signature, one transaction, IDs through the vault) and the
re-check of offline codes, against the real kiosk-central."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.store.vault import Vault
from sync.code_check import HttpCodeChecker
from sync.factory import make_link, make_puller
from sync.protocol import public_key_pem
from sync.puller import PullStatus
from sync.recheck import ALERT_KIND, recheck_pending
from tests.sync.conftest import KioskUnderTest, Server, make_kiosk

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def test_bundle_is_pulled_verified_and_applied_once(sqlite_server: Server, tmp_path: Path) -> None:
    srv = sqlite_server
    srv.add_resident(name="张三", id_number=ID_NUMBER, phone=PHONE, building="3", unit="2", room="501")
    srv.set_risk("110105", "high")
    srv.set_mode("lockdown")
    k = make_kiosk(srv, tmp_path)
    vault = Vault.open(k.cfg.data_dir)
    try:
        puller = make_puller(k.store, make_link(k.cfg, k.creds, k.store))
        first = puller.pull()
        assert first.status is PullStatus.APPLIED and first.roster == 1 and first.risk_areas == 1
        person = k.store.db.execute(
            "select name, kind, source, id_cipher, id_hash, id_masked, phone_cipher, phone_masked, building, unit, room from people"
        ).fetchone()
        assert person[:3] == ("张三", "resident", "bundle")
        # no number on the kiosk: the community-keyed look-up hash and the masked forms only
        assert person[3] is None and person[6] is None and person[4] == vault.roster_hash("id", ID_NUMBER)
        assert person[5] != ID_NUMBER and person[5].endswith("002X") and "*" in person[5]
        assert PHONE not in person[7]
        assert person[8:] == ("3", "2", "501")
        # the stored copy of the bundle never holds the ID or phone in clear
        stored = k.store.db.execute("select body, applied_at, etag from bundles").fetchone()
        assert ID_NUMBER not in stored[0] and PHONE not in stored[0] and stored[1] and stored[2] == first.etag
        assert json.loads(stored[0])["policy"] == {"mode": "lockdown"}
        assert k.store.db.execute("select region_code, level, since from risk_areas").fetchall() == [("110105", "high", "2026-11-20")]
        assert k.store.db.execute("select value from kiosk_state where key = 'mode_from_bundle'").fetchone() == ("lockdown",)
        audit = k.store.db.execute("select body from journal where kind = 'bundle_applied'").fetchone()
        assert json.loads(audit[0])["roster"] == 1
        # unchanged: 304, nothing written
        again = puller.pull()
        assert again.status is PullStatus.UNCHANGED
        assert k.store.db.execute("select count(*) from bundles").fetchone()[0] == 1
        assert [r[0] for r in k.store.db.execute("select http_status from sync_log where direction = 'pull' order by id")] == [200, 304]
        # the resident leaves the roster and the mode is lifted: the next bundle says so
        srv.set_mode("normal")
        srv.set_risk("110105", None)
        third = puller.pull()
        assert third.status is PullStatus.APPLIED and third.risk_areas == 0
        assert k.store.db.execute("select count(*) from risk_areas").fetchone()[0] == 0
        assert k.store.db.execute("select value from kiosk_state where key = 'mode_from_bundle'").fetchone() == ("normal",)
    finally:
        k.proxy.close()
        k.store.close()


def test_a_bundle_signed_by_another_key_is_not_applied(server: Server, kiosk: KioskUnderTest) -> None:
    other = public_key_pem(Ed25519PrivateKey.generate().public_key())
    creds = dataclasses.replace(kiosk.creds, bundle_public_key=other)
    result = make_puller(kiosk.store, make_link(kiosk.cfg, creds, kiosk.store)).pull()
    assert result.status is PullStatus.REJECTED and "not the pinned key" in (result.error or "")
    assert kiosk.store.db.execute("select count(*) from bundles").fetchone()[0] == 0
    assert kiosk.store.db.execute("select count(*) from journal").fetchone()[0] == 0
    row = kiosk.store.db.execute("select http_status, error from sync_log where direction = 'pull'").fetchone()
    assert row[0] == 200 and "not applied" in row[1]


def test_offline_codes_are_rechecked_and_a_mismatch_raises_an_alert(server: Server, tmp_path: Path) -> None:
    srv = server
    red = srv.issue_token("李四", ID_NUMBER, "red")
    green = srv.issue_token("王五", ID_NUMBER, "green")
    k = make_kiosk(srv, tmp_path)
    try:
        with k.store.writing() as w:
            entries = [w.append("gate_entry", {"code_status": "unverified"}) for _ in range(2)]
            for rec, text in zip(entries, (red, green), strict=True):
                w.db.execute(
                    "insert into pending_rechecks (entry_uuid, created_at, qr_text, attested_colour) values (?, ?, ?, 'green')",
                    [rec.uuid, rec.created_at, text],
                )
        # offline first: nothing is lost, the attempt is counted
        offline = HttpCodeChecker(k.creds, base_url="http://127.0.0.1:9", timeout_s=0.5)
        result = recheck_pending(k.store, offline)
        assert result.offline and result.checked == 0
        assert k.store.db.execute("select attempts from pending_rechecks order by created_at").fetchall() == [(1,), (0,)]
        checker = HttpCodeChecker(k.creds, timeout_s=3)
        result = recheck_pending(k.store, checker)
        assert (result.checked, result.matched, result.mismatched, result.offline) == (2, 1, 1, False)
        assert k.store.db.execute("select count(*) from pending_rechecks").fetchone()[0] == 0
        alert = k.store.db.execute("select kind, entry_uuid, message from alerts").fetchone()
        assert alert[0] == ALERT_KIND and alert[1] == entries[0].uuid and "red" in alert[2] and "green" in alert[2]
        assert red not in alert[2]  # the token itself is not copied into the alert
        kinds = [r[0] for r in k.store.db.execute("select kind from journal where seq > 2 order by seq")]
        assert sorted(kinds) == ["alert", "recheck"]
        assert k.store.check() == []
        assert [r[0] for r in k.store.db.execute("select error is null from sync_log where direction = 'check' order by id")] == [0, 1, 1]
    finally:
        k.proxy.close()
        k.store.close()


def test_an_older_bundle_than_the_one_in_force_is_not_applied(server: Server, kiosk: KioskUnderTest) -> None:
    from sync.puller import apply_bundle

    future = {"version": 1, "issued_at": "2099-01-01T00:00:00+00:00", "policy": {"mode": "lockdown"}}
    apply_bundle(kiosk.store, future, '"future"')
    result = make_puller(kiosk.store, make_link(kiosk.cfg, kiosk.creds, kiosk.store)).pull()
    assert result.status is PullStatus.REJECTED and "older than the one in force" in (result.error or "")
    assert kiosk.store.db.execute("select value from kiosk_state where key = 'mode_from_bundle'").fetchone() == ("lockdown",)
    assert kiosk.store.db.execute("select count(*) from bundles").fetchone()[0] == 1
