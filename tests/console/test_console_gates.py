"""Gates in a real browser: a kiosk enrolled from the Devices page uploads with the real sync client and
its records show on the overview; an alert appears live without a reload and is acknowledged; a revoked
gate's next upload is refused; the daily report freezes on submit and downloads."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sync.client import Step
from sync.server.alerts.tables import alerts
from sync.server.console.tables import audit_log
from sync.server.records.tables import sync_log
from tests.console.conftest import ConsoleServer, add_gate, entry, shot, sign_in


def test_kiosk_records_appear_on_the_overview(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Path) -> None:
    comm = console.community("北苑社区")
    admin = console.account("admin")
    sign_in(page, console.url, admin)
    code = add_gate(page, console.url, "北门", comm)
    shot(page, shots, "device-added-qr")
    kiosk = make_kiosk(console.url, code, "北门")
    kiosk.write("gate_entry", entry("in"), n=7)
    kiosk.write("gate_entry", entry("out"), n=3)
    kiosk.write("gate_entry", entry("in", outcome="deny"), n=2)
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    page.goto(console.url + "/console/")
    row = page.locator(f"#gates tr[data-device='{kiosk.creds.device_id}']")
    expect(row.locator(".entries")).to_have_text("7")
    expect(row.locator(".exits")).to_have_text("3")
    expect(row.locator(".badge")).to_have_text("在线")
    hour_bars = page.locator("svg.chart rect.bar-in")
    assert sum(int(hour_bars.nth(i).get_attribute("data-value") or 0) for i in range(24)) >= 7
    shot(page, shots, "overview-with-gate")
    # the staff of another community does not see this gate
    other = console.account("staff", console.community())
    page.click("form[action='/console/logout'] button")
    sign_in(page, console.url, other)
    expect(page.locator(f"#gates tr[data-device='{kiosk.creds.device_id}']")).to_have_count(0)


def test_alert_appears_live_and_is_acknowledged(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Path) -> None:
    comm = console.community()
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "南门", comm), "南门")
    staff = console.account("staff", comm)
    page.click("form[action='/console/logout'] button")
    sign_in(page, console.url, staff)
    page.goto(console.url + "/console/")
    page.evaluate("window.__notReloaded = true")
    kiosk.write("alert", {"kind": "fever-confirmed", "entry_uuid": "x", "message": "confirmed fever 38.2 °C at the gate (发热复测确认)"})
    kiosk.write("gate_entry", entry("in", outcome="deny", colour="red"))
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    uploaded = time.monotonic()
    fever = page.locator(".alert.open[data-kind='fever-confirmed']")
    fever.wait_for(timeout=4000)
    seen_after = time.monotonic() - uploaded
    assert seen_after <= 2.5, f"the alert took {seen_after:.2f} s to show"
    expect(page.locator(".alert.open[data-kind='red-code']")).to_have_count(1)
    assert page.evaluate("window.__notReloaded") is True, "the page was not reloaded"
    shot(page, shots, "alert-live")
    fever.locator("input[name=note]").fill("已送发热门诊")
    fever.locator("button").click()
    acked = page.locator(".alert.acked[data-kind='fever-confirmed']")
    expect(acked).to_contain_text("已送发热门诊")
    expect(acked).to_contain_text(staff)
    shot(page, shots, "alert-acknowledged")
    with console.engine.connect() as conn:
        row = conn.execute(select(alerts).where(alerts.c.device_id == kiosk.creds.device_id, alerts.c.kind == "fever-confirmed")).one()
        assert (row.acked_by, row.ack_note) == (staff, "已送发热门诊")
        assert conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "alert.acknowledge", audit_log.c.target == row.record_uuid)).scalar() == staff


def test_a_revoked_gate_is_refused_at_its_next_upload(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Path) -> None:
    comm = console.community()
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "西门", comm), "西门")
    kiosk.write("gate_entry", entry())
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    page.goto(console.url + "/console/devices")
    page.click(f"tr[data-device='{kiosk.creds.device_id}'] form[action$='/revoke'] button")
    expect(page.locator(f"tr[data-device='{kiosk.creds.device_id}'] .badge")).to_have_text("已吊销")
    shot(page, shots, "device-revoked")
    kiosk.write("gate_entry", entry(), n=2)
    up = kiosk.uploader()
    assert up.step() is Step.REVOKED, "the server tells the real (signed) kiosk that its gate was revoked"
    assert up.outbox.stats().pending == 2, "the refused records stay queued on the kiosk"
    with console.engine.connect() as conn:
        last = conn.execute(select(sync_log.c.status).where(sync_log.c.device_id == kiosk.creds.device_id).order_by(sync_log.c.id.desc())).first()
    assert last is not None and last.status == 403
    page.goto(console.url + f"/console/devices/{kiosk.creds.device_id}/log?outcome=error")
    expect(page.locator("#sync-log tbody tr").first).to_contain_text("403")


def test_daily_report_submits_frozen_and_downloads(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Path) -> None:
    comm = console.community("南苑社区")
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "南苑东门", comm), "南苑东门")
    kiosk.write("gate_entry", entry("in"), n=4)
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    page.goto(console.url + f"/console/reports?community={comm}")
    expect(page.locator("#report h2")).to_contain_text("零报告")
    page.click("form[action='/console/reports/submit'] button")
    expect(page.locator("#submitted")).to_be_visible()
    shot(page, shots, "report-submitted")
    kiosk.write("gate_entry", entry("in"), n=5)  # after submitting: the frozen report does not move
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    page.reload()
    expect(page.locator("#report tbody tr").first).to_contain_text("4")
    with page.expect_download() as dl:
        page.click("a[href*='fmt=xlsx']")
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    total = next(i for i, r in enumerate(rows) if r[0] == "total")
    assert rows[0][:3] == ["gate", "entries", "exits"] and rows[1][:2] == ["南苑东门", 4] and rows[total][:2] == ["total", 4]
    assert [r[0] for r in rows[total + 1:]] == [f"key persons: {c}" for c in ("risk-area", "inbound", "cold-chain", "released", "home-isolation")]
    csv_text = page.request.get(console.url + f"/console/reports/download?community={comm}&day={rows and page.locator('input[name=day]').input_value()}&fmt=csv").text()
    assert "南苑东门,4,0" in csv_text
