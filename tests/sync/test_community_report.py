"""Reports up the chain (issue 12): the sync worker files the gate's evening report by itself; the
server sums a community's gates into one report, zero only when every gate's day is zero and no alert
of the day is open."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from kiosk.service.reports import Reports
from kiosk.store.alert_lane import raise_alert
from sync.factory import make_worker
from tests.sync.conftest import KioskUnderTest, Server


def _report(server: Server, community: str, *fmt: str) -> str:
    return server.central.cli("report", "daily", "--community", community, *fmt).stdout


def test_a_day_with_one_open_alert_is_not_a_zero_report(kiosk: KioskUnderTest, server: Server) -> None:
    community = "rep-" + kiosk.creds.device_id[:8]
    server.central.cli("community", "add", community, "--name", "报告小区")
    none_yet = json.loads(_report(server, community, "--json"))
    assert none_yet["kind"] == "daily" and none_yet["gates"] == []  # no gates: nothing to call zero
    server.central.cli("community", "add-gate", community, kiosk.creds.device_id)
    unfiled = json.loads(_report(server, community, "--json"))
    assert unfiled["kind"] == "daily" and unfiled["gates"][0]["filed"] is False  # a gate that filed nothing is not zero

    cfg = kiosk.cfg.replace(**{"report.hour": 0})  # the evening has come
    worker = make_worker(cfg, kiosk.store, file_reports=Reports(kiosk.store, cfg).file_due)
    worker.run_round()  # files today's report by itself, then uploads it
    assert kiosk.store.db.execute("select kind from daily_reports").fetchall() == [("zero",)]
    assert worker.last_round is not None and worker.last_round.unsent == 0
    zero = json.loads(_report(server, community, "--json"))
    assert zero["kind"] == "zero" and zero["gates"][0]["filed"] is True and zero["not_zero_because"] == []

    with kiosk.store.writing() as w:  # one alert of the day (the gate's own figures stay zero)
        rec = raise_alert(w, "clock-skew", "the kiosk's clock is +300 s off the server's")
    make_worker(cfg, kiosk.store).run_round()
    report = json.loads(_report(server, community, "--json"))
    assert report["kind"] == "daily" and [a["id"] for a in report["open_alerts"]] == [rec.uuid]
    assert report["not_zero_because"] == ["1 alert(s) of the day still open"]
    rows = list(csv.reader(io.StringIO(_report(server, community, "--csv"))))
    assert ["kind", "daily"] in rows and any(r[:2] == ["open alert", "clock-skew"] for r in rows)

    server.central.cli("alerts", "ack", rec.uuid, "--by", "值班员李")
    assert json.loads(_report(server, community, "--json"))["kind"] == "daily"  # acknowledged is still open
    server.central.cli("alerts", "close", rec.uuid, "--by", "值班员李", "--note", "已校准时钟")
    closed = json.loads(_report(server, community, "--json"))
    assert closed["kind"] == "zero"


def test_key_persons_are_listed_by_category_in_the_xlsx(kiosk: KioskUnderTest, server: Server) -> None:
    from kiosk.service.gate import GateRequest, GateService
    from kiosk.service.visitors import VisitorForm
    from kiosk.store.vault import Vault
    from tests.workflow.conftest import ID_DEAN, table_verify

    community = "key-" + kiosk.creds.device_id[:8]
    server.central.cli("community", "add", community, "--name", "重点小区")
    server.central.cli("community", "add-gate", community, kiosk.creds.device_id)
    gate = GateService(kiosk.store, kiosk.cfg, table_verify, vault=Vault.open(kiosk.cfg.data_dir))
    who = gate.register_visitor(VisitorForm(name="钱多多", phone="13800138000", id_type="cn-id", id_number=ID_DEAN,
                                            origin_region="110105", reason="探亲", host_building="3", inbound=True))
    gate.pass_gate(GateRequest(person_uuid=who.person.uuid, qr_text="GREEN"))
    cfg = kiosk.cfg.replace(**{"report.hour": 0})
    make_worker(cfg, kiosk.store, file_reports=Reports(kiosk.store, cfg).file_due).run_round()
    report = json.loads(_report(server, community, "--json"))
    assert report["kind"] == "daily" and report["key_persons"]["inbound"] == 1
    assert report["key_people"]["inbound"][0]["id_masked"] == "360***********0071"
    import subprocess

    from tests.server.central import BIN

    raw = subprocess.run([str(BIN), "report", "daily", "--community", community, "--xlsx", "--data-dir", str(server.central.data_dir),
                          "--db", server.central.db_url], capture_output=True, check=True).stdout
    sheet = load_workbook(io.BytesIO(raw)).active
    assert sheet is not None
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    person = next(r for r in cells if r[:2] == ["key person", "inbound"])
    assert person[3] == "360***********0071" and str(person[2]).startswith("钱") and "多多" not in str(person[2])
    assert ID_DEAN not in raw.decode("latin-1")
