"""Home isolation in a real browser: staff place a person on the page and a real kiosk's next signed bundle
carries the entry (masked, with the ID's look-up hash); ending it with a note lifts it at the next pull.
Viewers are refused, a POST without the CSRF token is refused, every change is audited."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from kiosk.domain.masking import mask_id
from sync.factory import make_link, make_puller
from sync.puller import PullResult, PullStatus
from sync.server.console.tables import audit_log
from tests.console.conftest import ConsoleServer, add_gate, shot, sign_in

ID = "11010519491231002X"


def _pull(kiosk: Any) -> PullResult:
    return make_puller(kiosk.store, make_link(kiosk.cfg, kiosk.creds, kiosk.store)).pull()


def _held(kiosk: Any) -> list[tuple[Any, ...]]:
    return list(kiosk.store.db.execute("select id_masked, name_masked, building, room, start_date, end_date, id_hash from home_isolation"))


def _audited(console: ConsoleServer, action: str, actor: str) -> list[str]:
    with console.engine.connect() as conn:
        return [r.detail for r in conn.execute(select(audit_log).where(audit_log.c.action == action, audit_log.c.actor == actor))]


def test_an_isolation_added_on_the_page_reaches_the_kiosks_bundle(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Path) -> None:
    comm, other = console.community(), console.community()
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "隔离测试门", comm), "隔离测试门")
    elsewhere = make_kiosk(console.url, add_gate(page, console.url, "别的小区门", other), "别的小区门")
    assert _pull(kiosk).status is PullStatus.APPLIED and _held(kiosk) == []
    page.click("form[action='/console/logout'] button")
    staff = console.account("staff", comm)
    sign_in(page, console.url, staff)
    page.goto(console.url + "/console/isolation")
    expect(page.locator("nav a[href='/console/isolation']")).to_have_attribute("aria-current", "page")
    form = page.locator("#isolation-add")
    expect(form.locator("select[name=community_id] option")).to_have_count(1)  # only the staff account's community
    last = (date.today() + timedelta(days=13)).isoformat()
    form.locator("input[name=id_number]").fill("110105194912310021")  # wrong check digit: refused with a reason
    form.locator("input[name=end]").fill(last)
    form.locator("input[name=reason]").fill("来自中风险地区")
    form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("身份证号")
    page.goto(console.url + "/console/isolation")
    first = form.locator("input[name=start]").input_value()  # the server's today (the community's zone)
    form.locator("input[name=id_number]").fill(ID)
    form.locator("input[name=name]").fill("张隔离")
    form.locator("input[name=building]").fill("3")
    form.locator("input[name=room]").fill("502")
    form.locator("input[name=end]").fill(last)
    form.locator("input[name=reason]").fill("来自中风险地区")
    form.locator("button[type=submit]").click()
    table = page.locator("#isolations")
    expect(table).to_contain_text(mask_id(ID))
    expect(table).not_to_contain_text(ID)
    expect(table).not_to_contain_text("张隔离")  # the name is masked too
    shot(page, shots, "isolation-added")
    assert len(_audited(console, "isolation.add", staff)) == 1
    # the kiosk's next signed bundle carries it; a gate of another community does not get it
    result = _pull(kiosk)
    assert result.status is PullStatus.APPLIED, result
    held = _held(kiosk)
    assert len(held) == 1 and held[0][0] == mask_id(ID) and held[0][2:6] == ("3", "502", first, last), held
    assert held[0][6] and ID not in str(held[0]), "the gate holds the look-up hash, never the number"
    assert _pull(elsewhere).status is PullStatus.APPLIED and _held(elsewhere) == []
    # a POST without the CSRF token is refused and changes nothing
    entry_id = table.locator("tr[data-entry]").first.get_attribute("data-entry")
    refused = page.request.post(f"{console.url}/console/isolation/{entry_id}/end", form={"note": "no token"})
    assert refused.status == 403
    # ending it with a note: the next bundle lifts it
    row = table.locator(f"tr[data-entry='{entry_id}']")
    row.locator("input[name=note]").fill("核酸阴性，提前解除")
    row.locator("button").click()
    expect(table).not_to_contain_text(mask_id(ID))
    assert _audited(console, "isolation.end", staff) == ["核酸阴性，提前解除"]
    assert _pull(kiosk).status is PullStatus.APPLIED and _held(kiosk) == []


def test_a_viewer_may_not_open_or_change_the_isolation_list(console: ConsoleServer, page: Page) -> None:
    comm = console.community()
    sign_in(page, console.url, console.account("viewer", comm))
    page.goto(console.url + "/console/")
    expect(page.locator("nav a[href='/console/isolation']")).to_have_count(0)
    response = page.goto(console.url + "/console/isolation")
    assert response is not None and response.status == 403


def test_the_isolation_list_stacks_its_rows_on_a_phone(console: ConsoleServer, browser: Browser, shots: Path) -> None:
    """At 360 px the list does not scroll sideways: each entry is a block of labelled lines."""
    comm = console.community()
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, console.url, console.account("staff", comm))
    page.goto(console.url + "/console/isolation")
    form = page.locator("#isolation-add")
    form.locator("input[name=id_number]").fill(ID)
    form.locator("input[name=name]").fill("李窄屏")
    form.locator("input[name=building]").fill("12")
    form.locator("input[name=room]").fill("1203")
    form.locator("input[name=end]").fill((date.today() + timedelta(days=13)).isoformat())
    form.locator("input[name=reason]").fill("境外入境人员，居家隔离十四天")
    form.locator("button[type=submit]").click()
    row = page.locator("#isolations tr[data-entry]")
    expect(row).to_have_count(1)
    scroll, client = page.locator("#isolations").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert scroll <= client, f"the list scrolls sideways: {scroll}px in {client}px"
    cells = row.locator("td")
    boxes = [cells.nth(i).bounding_box() for i in range(6)]
    assert all(b is not None for b in boxes)
    tops = [b["y"] for b in boxes if b is not None]
    assert tops == sorted(tops) and len(set(tops)) == 6, f"cells are not stacked: {tops}"
    label = cells.nth(1).evaluate("td => getComputedStyle(td, '::before').content")
    assert "证件号码" in label, label  # each line names its column ("ID number")
    expect(cells.nth(1)).to_have_text(mask_id(ID))
    shot(page, shots, "phone-isolation-stacked")
    ctx.close()
