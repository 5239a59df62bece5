"""Health monitoring of key persons on the server (issue 12): per community and day, who has a reading
from any gate and who does not; a fever or a missing day is an alert, raised once."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kiosk.domain.temperature import Measurement, Method
from kiosk.service.gate import GateRequest, GateService
from kiosk.service.visitors import VisitorForm
from kiosk.store.vault import Vault
from sync.factory import make_worker
from sync.server.alerts.tables import alerts
from tests.server.central import start_central
from tests.sync.conftest import KioskUnderTest, Server, make_kiosk
from tests.workflow.conftest import ID_CHAOYANG, ID_DEAN, Clock, table_verify

TZ = ZoneInfo("Asia/Shanghai")


def _id(body17: str) -> str:
    """A GB 11643 number with its check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]


def _visitor(gate: GateService, name: str, id_number: str, **flags: bool) -> str:
    form = VisitorForm(name=name, phone="13800138000", id_type="cn-id", id_number=id_number, origin_region="110105",
                       reason="探亲", host_building="3", **flags)
    return gate.register_visitor(form).person.uuid


def test_key_persons_without_a_reading_are_listed_masked_and_alerted_once(kiosk: KioskUnderTest, server: Server) -> None:
    community = "mon-" + kiosk.creds.device_id[:8]
    server.central.cli("community", "add", community, "--name", "监测小区")
    server.central.cli("community", "add-gate", community, kiosk.creds.device_id)
    yesterday = dt.datetime.now(TZ).date() - dt.timedelta(days=1)
    clock = Clock(dt.datetime.combine(yesterday - dt.timedelta(days=1), dt.time(9), TZ).astimezone(dt.UTC))
    gate = GateService(kiosk.store, kiosk.cfg, table_verify, clock, vault=Vault.open(kiosk.cfg.data_dir))
    b = _visitor(gate, "钱多多", ID_DEAN, cold_chain=True)  # arrived the day before yesterday, no reading yesterday
    gate.pass_gate(GateRequest(person_uuid=b, qr_text="GREEN", readings=(Measurement(36.4, Method.INFRARED),)))
    clock.advance(days=1)
    a = _visitor(gate, "孙小美", ID_CHAOYANG, inbound=True)  # arrived yesterday with a reading
    gate.pass_gate(GateRequest(person_uuid=a, qr_text="GREEN", readings=(Measurement(36.6, Method.INFRARED),)))
    c = _visitor(gate, "李大壮", _id("36042619910101008"), risk_area_14d=True)  # a fever yesterday
    clock.advance(minutes=2)
    gate.pass_gate(GateRequest(person_uuid=c, qr_text="GREEN", readings=(
        Measurement(38.4, Method.INFRARED, clock() - dt.timedelta(minutes=1)), Measurement(38.5, Method.CONTACT, clock()))))
    assert make_worker(kiosk.cfg, kiosk.store).run_round().unsent == 0

    got = json.loads(server.central.cli("monitoring", "--date", yesterday.isoformat(), "--community", community, "--json").stdout)
    assert got["monitored"] == 3 and got["missing"] == 1 and got["day_over"] is True
    (missing,) = got["people"]
    assert missing["person"] == b and missing["categories"] == ["cold-chain"] and missing["id_masked"] == "360***********0071"
    assert ID_DEAN not in json.dumps(got)
    assert got["alerts_raised"] == 2
    with server.engine.connect() as conn:
        kinds = sorted(r.kind for r in conn.execute(select(alerts).where(alerts.c.community == community, alerts.c.source == "server")))
    assert kinds == ["monitoring-fever", "monitoring-missed"]
    again = json.loads(server.central.cli("monitoring", "--date", yesterday.isoformat(), "--community", community, "--json").stdout)
    assert again["alerts_raised"] == 0  # once per person, day and kind
    text = server.central.cli("monitoring", "--date", yesterday.isoformat(), "--community", community).stdout
    assert "1 without a reading" in text and "360***********0071" in text and "missing" in text
    before = json.loads(server.central.cli("monitoring", "--date", (yesterday - dt.timedelta(days=2)).isoformat(),
                                           "--community", community, "--json").stdout)
    assert before["monitored"] == 0  # nobody had arrived yet


def test_the_server_raises_monitoring_alerts_by_itself(own_server: Server, tmp_path: Path) -> None:
    """Nobody runs `kiosk-central monitoring`: a key person without a reading yesterday becomes an
    alert when the server checks (a worker checks the day before on its first request of each day)."""
    kiosk = make_kiosk(own_server, tmp_path)
    try:
        community = "auto-" + kiosk.creds.device_id[:8]
        own_server.central.cli("community", "add", community, "--name", "自动监测小区")
        own_server.central.cli("community", "add-gate", community, kiosk.creds.device_id)
        yesterday = dt.datetime.now(TZ).date() - dt.timedelta(days=1)
        clock = Clock(dt.datetime.combine(yesterday - dt.timedelta(days=1), dt.time(9), TZ).astimezone(dt.UTC))
        gate = GateService(kiosk.store, kiosk.cfg, table_verify, clock, vault=Vault.open(kiosk.cfg.data_dir))
        b = _visitor(gate, "钱多多", ID_DEAN, cold_chain=True)  # arrived the day before yesterday, no reading yesterday
        gate.pass_gate(GateRequest(person_uuid=b, qr_text="GREEN", readings=(Measurement(36.4, Method.INFRARED),)))
        assert make_worker(kiosk.cfg, kiosk.store).run_round().unsent == 0

        def missed() -> list[str]:
            with own_server.engine.connect() as conn:
                return [r.message for r in conn.execute(select(alerts).where(
                    alerts.c.community == community, alerts.c.source == "server", alerts.c.kind == "monitoring-missed"))]

        assert missed() == []  # this server process checked when it started, before the records came
        central = own_server.central
        central.stop()  # a new worker checks on its first request (start_central's own probe)
        own_server.central = start_central(central.data_dir, central.db_url, port=int(central.url.rsplit(":", 1)[1]))
        deadline = time.monotonic() + 20
        while not missed() and time.monotonic() < deadline:
            time.sleep(0.1)
        (message,) = missed()
        assert "360***********0071" in message and "cold-chain" in message and ID_DEAN not in message
    finally:
        kiosk.proxy.close()
        kiosk.store.close()
