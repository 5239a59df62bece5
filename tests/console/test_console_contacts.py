"""Close contacts in a real browser: passes a real kiosk records (GateService, the typed-ID lane) and
uploads are looked up on the page — masked for staff, full only on an admin's audited reveal; viewers
may not look people up; the look-up is audited (the same function as `kiosk-central contacts`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from kiosk.domain.masking import mask_id
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.vault import Vault
from sync.factory import make_link, make_puller
from sync.server.console.tables import audit_log
from tests.console.conftest import ConsoleServer, add_gate, shot, sign_in
from tests.workflow.conftest import table_verify

PERSON = "11010519491231002X"
CONTACT = "110101199003074477"
FAR = "110101198001010053"  # two hours later: not a contact


def _pass(kiosk: Any, at: dt.datetime, id_number: str) -> None:
    GateService(kiosk.store, kiosk.cfg, table_verify, lambda: at, vault=Vault.open(kiosk.cfg.data_dir)).pass_gate(GateRequest(id_number=id_number))


def _audit(console: ConsoleServer, actor: str) -> list[str]:
    with console.engine.connect() as conn:
        return [r.action for r in conn.execute(select(audit_log).where(audit_log.c.actor == actor, audit_log.c.action.like("contacts%")))]


def _look_up(page: Page, base: str, id_number: str) -> None:
    page.goto(base + "/console/contacts")
    page.fill("#contacts-form input[name=id_number]", id_number)
    page.click("#contacts-form button[type=submit]:not([name])")


def test_contacts_look_up_masked_and_an_admin_reveal_is_audited(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Path) -> None:
    comm = console.community()
    admin = console.account("admin")
    sign_in(page, console.url, admin)
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "密接测试门", comm), "密接测试门")
    make_puller(kiosk.store, make_link(kiosk.cfg, kiosk.creds, kiosk.store)).pull()
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    _pass(kiosk, t0, PERSON)
    _pass(kiosk, t0 + dt.timedelta(minutes=5), CONTACT)
    _pass(kiosk, t0 + dt.timedelta(hours=2), FAR)
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    page.click("form[action='/console/logout'] button")

    staff = console.account("staff", comm)
    sign_in(page, console.url, staff)
    expect(page.locator("nav a[href='/console/contacts']")).to_have_count(1)
    _look_up(page, console.url, PERSON[:-1] + "1")  # a wrong check digit: refused with the reason
    expect(page.locator("main")).to_contain_text("身份证号无效")
    _look_up(page, console.url, PERSON)
    close = page.locator("#close-contacts")
    expect(close).to_contain_text(mask_id(CONTACT))
    expect(close).to_contain_text("密接测试门")
    body = page.inner_text("main")
    assert CONTACT not in body and PERSON not in body and mask_id(FAR) not in body
    assert page.locator("#reveal").count() == 0, "staff get no reveal button"
    refused = page.request.post(console.url + "/console/contacts", form={"id_number": PERSON, "start": "2026-01-01", "end": "2026-01-02",
                                                                        "full": "1", "csrf": page.locator("input[name=csrf]").first.input_value()})
    assert refused.status == 403, "a reveal is for admins only"
    assert page.request.post(console.url + "/console/contacts", form={"id_number": PERSON, "start": "2026-01-01", "end": "2026-01-02"}).status == 403
    assert _audit(console, staff) == ["contacts-lookup"]
    shot(page, shots, "contacts-masked")
    page.click("form[action='/console/logout'] button")

    sign_in(page, console.url, admin)
    page.goto(console.url + "/console/contacts")
    page.fill("#contacts-form input[name=id_number]", PERSON)
    page.click("#reveal")
    expect(page.locator("#close-contacts")).to_contain_text(CONTACT)
    expect(page.locator("#contacts-result")).to_contain_text("已记入审计")
    assert _audit(console, admin) == ["contacts-reveal"]
    shot(page, shots, "contacts-revealed")
    # the admin's full export: the numbers in the file, the export audited beside the look-up
    with page.expect_download() as full_download:
        page.click("#export-csv-full")
    full_rows = list(csv.DictReader(io.StringIO(Path(full_download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [(r["kind"], r["id_number"], r["gate"]) for r in full_rows] == [("close", CONTACT, "密接测试门")]
    assert _audit(console, admin) == ["contacts-reveal", "contacts-reveal", "contacts.export"]
    page.click("form[action='/console/logout'] button")

    # staff export: masked; the full export is refused
    sign_in(page, console.url, staff)
    page.goto(console.url + "/console/contacts")
    page.fill("#contacts-form input[name=id_number]", PERSON)
    assert page.locator("#export-csv-full").count() == 0
    with page.expect_download() as download:
        page.click("#export-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["kind"], r["id_number"], r["gate"]) for r in rows] == [("close", mask_id(CONTACT), "密接测试门")]
    assert CONTACT not in text and PERSON not in text and mask_id(FAR) not in text
    assert float(rows[0]["minutes_apart"]) == 5
    refused = page.request.post(console.url + "/console/contacts", form={"id_number": PERSON, "start": "2026-01-01", "end": "2026-01-02",
                                                                        "export": "csv-full", "csrf": page.locator("input[name=csrf]").first.input_value()})
    assert refused.status == 403, "a full export is for admins only"
    assert _audit(console, staff) == ["contacts-lookup", "contacts-lookup", "contacts.export"]


def test_a_viewer_may_not_look_up_contacts(console: ConsoleServer, page: Page) -> None:
    sign_in(page, console.url, console.account("viewer", console.community()))
    response = page.goto(console.url + "/console/contacts")
    assert response is not None and response.status == 403
