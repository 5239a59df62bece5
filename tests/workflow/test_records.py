"""Reports, exports, roster import, vault and admin PIN on a real store and real files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kiosk.config import Config
from kiosk.domain.models import Colour, Direction, PersonKind
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.admin_pin import AdminPin, PinRejected, PinStatus
from kiosk.service.common import InvalidInput
from kiosk.service.export import export_rows, write_csv, write_xlsx
from kiosk.service.gate import GateRequest, GateService
from kiosk.service.people import search_people
from kiosk.service.reports import Reports
from kiosk.service.roster import import_roster_csv
from kiosk.service.visitors import VisitorForm
from kiosk.store.db import Store
from kiosk.store.secrets import default_secrets_dir
from kiosk.store.vault import Vault, VaultError
from tests.workflow.conftest import ID_CHAOYANG, ID_DEAN, Clock

NORMAL = (Measurement(36.5, Method.INFRARED),)
DAY = dt.date(2026, 11, 28)


def test_zero_report_then_daily_report(gate: GateService, store: Store, cfg: Config, clock: Clock) -> None:
    reports = Reports(store, cfg, clock)
    gate.pass_gate(GateRequest(qr_text="GREEN:a", readings=NORMAL))
    gate.pass_gate(GateRequest(direction=Direction.OUT))
    zero = reports.compute(DAY)
    assert zero.kind == "zero" and zero.entries_in == 1 and zero.entries_out == 1 and zero.codes_green == 1
    gate.pass_gate(GateRequest(qr_text="RED:b", readings=NORMAL, person_kind=PersonKind.VISITOR))
    out = gate.pass_gate(GateRequest(qr_text="GREEN:c", readings=(Measurement(38.0, Method.INFRARED), Measurement(37.9, Method.CONTACT))))
    gate.duty.add_guard("王", pin="2580")
    gate.duty.sign_in("王", "2580")
    gate.refer_to_fever_clinic(out.entry_uuid, "复测后送发热门诊", "2580")
    gate.pass_gate(GateRequest(qr_text="TOKEN:t", attested_colour=Colour.GREEN, readings=NORMAL))
    report = reports.compute(DAY)
    assert report.kind == "daily"
    # nobody here is on the roster: the "residents" are counted as not identified, never as residents
    assert (report.entries_in, report.entries_out, report.visitors, report.residents, report.unidentified) == (4, 1, 1, 0, 4)
    assert (report.codes_green, report.codes_red, report.codes_unverified) == (3, 1, 1)
    # the referred fever stays a denial on the report, and counts as an override of one
    assert (report.fevers_confirmed, report.denials, report.overrides, report.overrides_of_denials) == (1, 2, 1, 1)
    # a pass 16:30 UTC is 00:30 the next day in Shanghai: not in this day's report
    clock.advance(hours=15, minutes=30)
    gate.pass_gate(GateRequest(qr_text="GREEN:late", readings=NORMAL))
    assert reports.compute(DAY).entries_in == 4 and reports.compute(DAY + dt.timedelta(days=1)).entries_in == 1


def test_report_is_filed_once_due_and_queued(gate: GateService, store: Store, cfg: Config, clock: Clock) -> None:
    reports = Reports(store, cfg, clock)  # 09:00 local; the report hour is 20
    gate.pass_gate(GateRequest(qr_text="GREEN:a", readings=NORMAL))
    assert reports.due() == []
    clock.advance(hours=11)  # 20:00 local
    assert reports.due() == [DAY]
    filed = reports.file_due()
    assert [f.report.kind for f in filed] == ["zero"]
    kind, body = store.db.execute("select kind, body from journal where uuid = ?", [filed[0].record_uuid]).fetchone()
    assert kind == "daily_report" and json.loads(body)["kind"] == "zero" and json.loads(body)["community"] == cfg["kiosk.community_name"]
    assert store.db.execute("select o.state from outbox o join journal j on j.seq = o.seq where j.uuid = ?", [filed[0].record_uuid]).fetchone() == ("pending",)
    assert reports.due() == []
    clock.advance(days=2)  # the kiosk was off at the next report hour: yesterday is filed late
    assert reports.due() == [DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)]


HOSTILE = [
    "Robert'); DROP TABLE people;--",
    "<script>alert('x')</script>",
    "=HYPERLINK(\"http://x\",\"click\")",
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "张三😷🏥👍🏽",
    "阿卜杜热合曼·麦麦提明",
    "‮txt.exe",
]


@pytest.mark.parametrize("text", [*HOSTILE, "长" * 100])
def test_hostile_names_are_stored_and_read_back_unchanged(gate: GateService, store: Store, vault: Vault, text: str, tmp_path: Path) -> None:
    from kiosk.service.visitors import VisitorForm

    reason = (text * 40)[:500]
    form = VisitorForm(name=text, phone="13912345678", id_type="passport", id_number="E12345678", origin_region="110105",
                       reason=reason, host_building=text[:50])
    visitor = gate.register_visitor(form)
    assert visitor.person.name == text and visitor.person.building == text[:50]
    row = store.db.execute("select reason from visitor_registrations where person_uuid = ?", [visitor.person.uuid]).fetchone()
    assert row == (reason,)
    assert store.db.execute("select count(*) from people").fetchone()[0] == 1  # no table was dropped
    gate.pass_gate(GateRequest(qr_text="GREEN:x", person_uuid=visitor.person.uuid, readings=NORMAL))
    rows = export_rows(store, vault, DAY, DAY, "Asia/Shanghai", full=True)
    assert rows[0]["name"] == text
    write_xlsx(rows, tmp_path / "e.xlsx")
    ws = load_workbook(tmp_path / "e.xlsx").active
    assert ws is not None and ws.cell(row=2, column=4).value == text and ws.cell(row=2, column=4).data_type == "s"
    write_csv(rows, tmp_path / "e.csv")
    with open(tmp_path / "e.csv", encoding="utf-8-sig", newline="") as fh:
        name = next(iter(csv.DictReader(fh)))["name"]
    assert name == ("'" + text if text[0] in "=+-@" else text)


def test_export_masks_unless_full(gate: GateService, store: Store, vault: Vault, tmp_path: Path) -> None:
    from kiosk.service.visitors import VisitorForm

    v = gate.register_visitor(VisitorForm("李小龙", "13912345678", "cn-id", ID_DEAN, "360426", "送货", "5"))
    gate.pass_gate(GateRequest(qr_text="GREEN:x", person_uuid=v.person.uuid, readings=NORMAL))
    masked = export_rows(store, vault, DAY, DAY, "Asia/Shanghai")
    assert (masked[0]["name"], masked[0]["id_number"], masked[0]["phone"]) == ("李**", "360***********0071", "139****5678")
    full = export_rows(store, vault, DAY, DAY, "Asia/Shanghai", full=True)
    assert (full[0]["name"], full[0]["id_number"], full[0]["phone"]) == ("李小龙", ID_DEAN, "13912345678")
    assert masked[0]["time"] == "2026-11-28 09:00:00"
    assert export_rows(store, vault, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=3), "Asia/Shanghai") == []
    with pytest.raises(ValueError, match="before it starts"):
        export_rows(store, vault, DAY, DAY - dt.timedelta(days=1), "Asia/Shanghai")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_import_all_or_nothing(store: Store, vault: Vault, clock: Clock, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", f"姓名,身份证号,手机号,楼栋,单元,房号\n张三,{ID_CHAOYANG},13812345678,3,2,401\n李四,110105194912310021,12345,,1,1\n")
    with pytest.raises(InvalidInput) as err:
        import_roster_csv(store, vault, bad, clock, "Asia/Shanghai")
    assert {e.field for e in err.value.errors} == {"line 3: id_number", "line 3: phone", "line 3: building"}
    assert store.db.execute("select count(*) from people").fetchone()[0] == 0
    good = _write(tmp_path / "good.csv", f"name,id_number,phone,building,unit,room\n张三,{ID_CHAOYANG},13812345678,3,2,401\n王五,,,7,1,101\n\n")
    result = import_roster_csv(store, vault, good, clock, "Asia/Shanghai")
    assert (result.added, result.updated) == (2, 0)
    again = import_roster_csv(store, vault, good, clock, "Asia/Shanghai")
    assert (again.added, again.updated) == (0, 2)  # matched by ID hash, or by name and address without an ID
    assert [p.name for p in search_people(store.db, "张")] == ["张三"]
    assert [p.name for p in search_people(store.db, "002X")] == ["张三"]
    assert {p.name for p in search_people(store.db, "7")} == {"王五"}
    assert search_people(store.db, "%") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), ("foo,bar\n1,2\n", "header"), ("name,building\n张三\n", "columns")],
)
def test_roster_import_bad_files(store: Store, vault: Vault, clock: Clock, tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        import_roster_csv(store, vault, _write(tmp_path / "r.csv", content), clock, "Asia/Shanghai")


def test_roster_import_not_utf8(store: Store, vault: Vault, clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("姓名,楼栋\n张三,3\n".encode("gbk"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        import_roster_csv(store, vault, path, clock, "Asia/Shanghai")


def test_vault_key_file_and_round_trip(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path)
    key = default_secrets_dir(tmp_path) / "vault.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    cipher, digest = vault.protect(ID_CHAOYANG)
    assert ID_CHAOYANG.encode() not in cipher and vault.reveal(cipher) == ID_CHAOYANG
    again = Vault.open(tmp_path)
    assert again.lookup_hash(ID_CHAOYANG) == digest and again.reveal(cipher) == ID_CHAOYANG
    other = Vault.open(tmp_path / "other")
    assert other.lookup_hash(ID_CHAOYANG) != digest
    with pytest.raises(VaultError, match="another vault key"):
        other.reveal(cipher)
    os.chmod(key, 0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        Vault.open(tmp_path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o610], ids=lambda m: f"{m:o}")
def test_a_vault_key_readable_by_its_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    Vault.open(tmp_path)
    key = default_secrets_dir(tmp_path) / "vault.key"  # the secrets folder beside the data folder
    before = key.read_bytes()
    os.chmod(key, mode)
    with pytest.raises(VaultError, match=f"mode {mode:o}.*chmod 600"):
        Vault.open(tmp_path)
    assert key.read_bytes() == before and stat.S_IMODE(key.stat().st_mode) == mode  # refused, not "fixed" or replaced
    os.chmod(key, 0o600)
    assert Vault.open(tmp_path).reveal(Vault.open(tmp_path).protect(ID_CHAOYANG)[0]) == ID_CHAOYANG


def test_admin_pin_lockout_survives_a_restart(store: Store, cfg: Config, clock: Clock) -> None:
    pin = AdminPin(store, cfg.data_dir, clock)
    assert pin.verify("2468").status is PinStatus.NOT_SET
    for weak in ("1111", "1234", "987654", "12a4", "123"):
        with pytest.raises(PinRejected):
            pin.set_pin(weak)
    pin.set_pin("2468")
    assert stat.S_IMODE(pin.path.stat().st_mode) == 0o600 and "2468" not in pin.path.read_text()
    assert pin.verify("2468").ok
    results = [pin.verify("0000") for _ in range(4)]
    assert [r.tries_left for r in results] == [4, 3, 2, 1]
    restarted = AdminPin(store, cfg.data_dir, clock)
    locked = restarted.verify("0000")
    assert locked.status is PinStatus.LOCKED and locked.locked_until == clock() + dt.timedelta(minutes=5)
    assert restarted.verify("2468").status is PinStatus.LOCKED  # even the right PIN waits
    clock.advance(minutes=5, seconds=1)
    assert restarted.verify("2468").ok


def test_vault_key_created_once_by_racing_processes(tmp_path: Path) -> None:
    import multiprocessing

    # forkserver, not fork: forking pytest itself, with the console tests' Playwright and proxy threads alive, once left
    # a pool worker stuck on a lock it had inherited held, and the whole run waiting for it
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(4) as pool:
        digests = pool.map(_open_and_hash, [str(tmp_path)] * 8)
    assert len(set(digests)) == 1 and digests[0] == Vault.open(tmp_path).lookup_hash("x")
    assert sorted(p.name for p in default_secrets_dir(tmp_path).iterdir()) == ["vault.key"]


def _open_and_hash(folder: str) -> str:
    return Vault.open(Path(folder)).lookup_hash("x")


def test_xlsx_export_survives_control_characters(tmp_path: Path) -> None:
    from kiosk.service.export import COLUMNS

    row = dict.fromkeys(COLUMNS, "")
    row["name"] = "张\x01三"
    write_xlsx([row], tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx").active
    assert ws is not None and ws.cell(row=2, column=COLUMNS.index("name") + 1).value == "张\ufffd三"


def test_a_medium_risk_visitor_sent_to_review_is_never_a_zero_report(gate: GateService, store: Store, cfg: Config,
                                                                        clock: Clock) -> None:
    """The day's only arrival: a visitor from a listed medium-risk area, sent to REVIEW (issue 11)."""
    reports = Reports(store, cfg, clock)
    with store.writing() as w:
        w.db.execute("insert into risk_areas (region_code, level, since) values ('110100', 'medium', '2026-11-20')")
    v = gate.register_visitor(VisitorForm("李小龙", "13912345678", "cn-id", ID_DEAN, "110105", "探亲", "5"))
    out = gate.pass_gate(GateRequest(qr_text="GREEN:x", person_uuid=v.person.uuid, readings=NORMAL))
    assert out.decision.outcome.value == "review"
    report = reports.compute(DAY)
    assert report.kind == "daily"
    assert report.key_group_people == 1 and report.key_persons["risk-area"] == 1 and report.reviews_open == 1
    people = reports.key_people(DAY)
    assert [(p.name_masked, p.id_masked, p.categories) for p in people] == [("李**", "360***********0071", ("risk-area",))]
    filed = reports.file(DAY)
    body = json.loads(store.db.execute("select body from journal where uuid = ?", [filed.record_uuid]).fetchone()[0])
    assert body["kind"] == "daily" and body["key_people"][0]["categories"] == ["risk-area"]
    assert ID_DEAN not in json.dumps(body, ensure_ascii=False) and "13912345678" not in json.dumps(body, ensure_ascii=False)


def test_key_persons_by_category_counted_once_each(gate: GateService, store: Store, cfg: Config, clock: Clock) -> None:
    reports = Reports(store, cfg, clock)
    v = gate.register_visitor(VisitorForm("李小龙", "13912345678", "cn-id", ID_DEAN, "360426", "送货", "5",
                                          inbound=True, cold_chain=True))
    for _ in range(3):  # three passes of one key person
        gate.pass_gate(GateRequest(qr_text="GREEN:x", person_uuid=v.person.uuid, readings=NORMAL))
    report = reports.compute(DAY)
    assert report.key_group_people == 1
    assert report.key_persons == {"risk-area": 0, "inbound": 1, "cold-chain": 1, "released": 0, "home-isolation": 0}
    assert report.kind == "daily"
