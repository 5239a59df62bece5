"""End to end: real kiosks (store, GateService, the sync client) upload passes to the real server on
both backends; `kiosk-central contacts` finds the close and secondary contacts by ID number, masked
unless --full, audited; the kiosks' journal, outbox and uploads never hold an ID number in clear."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select

from kiosk.domain.codes.cn_token import verify_cn_token
from kiosk.domain.masking import mask_id
from kiosk.domain.models import Direction
from kiosk.service.gate import GateRequest, GateService
from kiosk.service.visitors import VisitorForm
from kiosk.store.vault import Vault
from sync.code_check import HttpCodeChecker
from sync.factory import make_worker
from sync.server.console.cli_users import add_community, add_user
from sync.server.console.tables import audit_log, device_communities
from sync.server.contacts.tables import passes
from sync.server.records.tables import records
from tests.sync.conftest import KioskUnderTest, Server, make_kiosk
from tests.workflow.conftest import table_verify

PERSON = "11010519491231002X"  # typed at the gate (the no-smartphone lane)
VISITOR = "110101199003074477"  # registered as a visitor, then passes by the roster pick
RESIDENT = "440524188001010014"  # on the server's roster: the kiosk knows only its hash
FAR = "110101198001010053"  # at another gate at the same time: not a contact
SECOND = "31010119700101003X"  # near the visitor at the second gate: a secondary contact
HOLDER = "320102198505051233"  # shows a health-code token: the platform's answer names the holder
T0 = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def _gate(k: KioskUnderTest, at: dt.datetime) -> GateService:
    return GateService(k.store, k.cfg, table_verify, lambda: at, vault=Vault.open(k.cfg.data_dir))


def _pass(k: KioskUnderTest, at: dt.datetime, **req: object) -> None:
    _gate(k, at).pass_gate(GateRequest(**req))  # type: ignore[arg-type]


def _scan_online(k: KioskUnderTest, at: dt.datetime, qr_text: str) -> None:
    """A cn-token scanned with the kiosk's real online check (HttpCodeChecker -> /v1/code-check)."""
    checker = HttpCodeChecker(k.creds, timeout_s=5)
    try:
        verify = partial(verify_cn_token, region="", ctx=SimpleNamespace(checker=checker))
        out = GateService(k.store, k.cfg, verify, lambda: at, vault=Vault.open(k.cfg.data_dir)).pass_gate(GateRequest(qr_text=qr_text))
        assert out.code is not None and out.code.colour_source.value == "online"
    finally:
        checker.close()


def test_kiosks_upload_passes_and_contacts_finds_them(server: Server, tmp_path: Path) -> None:
    east, west = make_kiosk(server, tmp_path / "east"), make_kiosk(server, tmp_path / "west")
    try:
        uid = f"res-{east.creds.device_id}"
        server.central.cli("roster", "add", "--uuid", uid, "--name", "赵敏", "--id-number", RESIDENT, "--building", "3")
        make_worker(east.cfg, east.store).run_round()  # the bundle: the resident as a hash
        visitor = _gate(east, T0).register_visitor(VisitorForm(
            name="钱多多", phone="13900139000", id_type="cn-id", id_number=VISITOR, origin_region="110101",
            reason="探亲", host_building="3"))
        _pass(east, T0, id_number=PERSON)
        _pass(east, T0 + dt.timedelta(minutes=10), direction=Direction.OUT, person_uuid=visitor.person.uuid)
        _pass(east, T0 + dt.timedelta(minutes=14), person_uuid=uid)
        _pass(east, T0 + dt.timedelta(minutes=3), qr_text="TOKEN")  # an opaque token: nobody named
        _scan_online(east, T0 - dt.timedelta(minutes=12), server.issue_token("孙立", HOLDER, "green"))
        _pass(west, T0 + dt.timedelta(minutes=1), id_number=FAR)
        _pass(west, T0 + dt.timedelta(hours=3), id_number=VISITOR)
        _pass(west, T0 + dt.timedelta(hours=3, minutes=12), id_number=SECOND)
        for k in (east, west):
            assert k.uploader().drain() == 0

        with server.engine.begin() as conn:
            add_user(conn, f"tracer{server.backend}", "admin", "correct horse battery staple", [])
            add_community(conn, f"east{server.backend}", "东区")  # a staff account that sees the east gate only
            conn.execute(insert(device_communities).values(device_id=east.creds.device_id, community_id=f"east{server.backend}"))
            add_user(conn, f"staff{server.backend}", "staff", "correct horse battery staple", [f"east{server.backend}"])
            held = conn.execute(select(passes.c.person_hash, passes.c.source).where(passes.c.gate == east.creds.device_id)).all()
            bodies = [b for (b,) in conn.execute(select(records.c.body).where(records.c.device_id.in_(
                [east.creds.device_id, west.creds.device_id])))]
        assert len(held) == 5 and sorted(s or "" for _, s in held) == ["", "id-number", "platform", "roster", "visitor"]
        assert sum(h is None for h, _ in held) == 1
        for secret in (PERSON, VISITOR, RESIDENT, FAR, SECOND, HOLDER):  # what crossed the wire, and the kiosks' own files
            assert not any(secret in b for b in bodies), secret
            for k in (east, west):
                dump = "\n".join(k.store.db.iterdump())
                assert secret not in dump and secret.lower() not in dump, secret

        args = ("contacts", "--id", PERSON.lower(), "--from", "2026-11-19", "--to", "2026-11-21", "--depth", "2",
                "--by", f"tracer{server.backend}")
        masked = json.loads(server.central.cli(*args).stdout)
        assert masked["person"]["id_number"] == mask_id(PERSON)
        assert sorted(c["id_number"] for c in masked["close"]) == sorted([mask_id(VISITOR), mask_id(RESIDENT), mask_id(HOLDER)])
        assert [c["id_number"] for c in masked["secondary"]] == [mask_id(SECOND)]
        assert [u["count"] for u in masked["unidentified"]] == [1]
        assert VISITOR not in json.dumps(masked, ensure_ascii=False)

        full = json.loads(server.central.cli(*args, "--full").stdout)
        close = {c["id_number"]: c for c in full["close"]}
        assert set(close) == {VISITOR, RESIDENT, HOLDER}
        assert close[VISITOR]["name"] == "钱多多" and close[RESIDENT]["name"] == "赵敏"  # sealed on the pass / the roster
        assert close[HOLDER]["name"] == "孙立"  # named by the platform's answer, sealed by the server
        assert close[VISITOR]["passes"][0]["direction"] == "out" and close[VISITOR]["overlaps"][0]["minutes_apart"] == 10
        assert [s["id_number"] for s in full["secondary"]] == [SECOND]
        scoped = json.loads(server.central.cli(*args[:-1], f"staff{server.backend}").stdout)
        assert sorted(c["id_number"] for c in scoped["close"]) == sorted(c["id_number"] for c in masked["close"])
        assert scoped["secondary"] == []  # the visitor met SECOND at the west gate, which this account cannot see
        with server.engine.connect() as conn:
            trail = conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.target)
                                 .where(audit_log.c.actor == f"tracer{server.backend}").order_by(audit_log.c.id)).all()
        assert [(a, t) for _, a, t in trail] == [("contacts-lookup", mask_id(PERSON)), ("contacts-reveal", mask_id(PERSON))]
    finally:
        for k in (east, west):
            k.proxy.close()
            k.store.close()
