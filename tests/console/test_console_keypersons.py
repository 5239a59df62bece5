"""Key persons in a real browser: arrivals a real kiosk uploads with key-group flags and a home-isolation
entry show by category with today's monitoring status — a reading present or missing — masked."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.console.conftest import ConsoleServer, add_gate, entry, shot, sign_in


def _arrival(person: str, groups: list[str], reading: float | None) -> dict[str, Any]:
    body = entry() | {"person_uuid": person, "key_groups": groups, "id_masked": f"1101**********{person[-4:]}"}
    if reading is not None:
        body["temperature"] = {"verdict": "normal", "readings": [{"value_c": reading, "classification": "normal"}]}
    return body


def test_key_persons_by_category_with_reading_present_or_missing(console: ConsoleServer, page: Page, make_kiosk: Any,
                                                                   shots: Path) -> None:
    comm = console.community()
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "重点人员门", comm), "重点人员门")
    kiosk.write("gate_entry", _arrival("p-inbound-0001", ["inbound"], 36.4))
    kiosk.write("gate_entry", _arrival("p-coldch-0002", ["cold-chain"], None))
    kiosk.write("gate_entry", _arrival("p-normal-0003", [], 36.6))  # not a key person
    assert kiosk.uploader().drain(max_wait_s=5) == 0
    page.goto(console.url + "/console/isolation")  # a home-isolation entry is a key person too
    form = page.locator("#isolation-add")
    form.locator("select[name=community_id]").select_option(comm)
    form.locator("input[name=id_number]").fill("11010519491231002X")
    form.locator("input[name=name]").fill("王隔离")
    form.locator("input[name=end]").fill((date.today() + timedelta(days=5)).isoformat())
    form.locator("input[name=reason]").fill("密接")
    form.locator("button[type=submit]").click()
    expect(page.locator("#isolations")).to_contain_text("王*")
    page.click("form[action='/console/logout'] button")
    sign_in(page, console.url, console.account("viewer", comm))  # read-only accounts may see it
    page.goto(console.url + "/console/keypersons")
    section = page.locator(f"section[data-community='{comm}']")
    expect(section.locator(".summary")).to_contain_text("3")
    rows = section.locator("table.keypersons tbody tr")
    expect(rows).to_have_count(3)
    expect(section.locator("tr[data-status=present]")).to_have_count(1)
    expect(section.locator("tr[data-status=present]")).to_contain_text("入境人员")
    expect(section.locator("tr[data-status=present]")).to_contain_text("36.4")
    missing = section.locator("tr[data-status=missing]")
    expect(missing).to_have_count(2)
    text = section.inner_text()
    assert "冷链从业人员" in text and "居家隔离人员" in text and "缺失" in text
    assert "王隔离" not in text and "11010519491231002X" not in text, "masked"
    assert "0003" not in text, "a person with no key group is not listed"
    expect(section.locator(".by-category")).to_contain_text("入境人员: 1")
    shot(page, shots, "keypersons")
    wide = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})  # on a phone each person is a block of labelled lines
    scroll, client = section.locator("table.keypersons").evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert scroll <= client, f"the key-persons list scrolls sideways on a phone: {scroll}px in {client}px"
    shot(page, shots, "phone-keypersons-stacked")
    assert wide is not None
    page.set_viewport_size(wide)
    # the overview and the daily report count the same people by category
    page.goto(console.url + "/console/")
    overview = page.locator(f"#key-persons tr[data-community='{comm}']")
    for category, n in (("inbound", "1"), ("cold-chain", "1"), ("home-isolation", "1"), ("risk-area", "0"), ("released", "0")):
        expect(overview.locator(f"td[data-category='{category}']")).to_have_text(n)
    page.goto(f"{console.url}/console/reports?community={comm}")
    report = page.locator("#report-key-persons")
    expect(report.locator("li[data-category='inbound']")).to_have_text("入境人员: 1")
    expect(report.locator("li[data-category='home-isolation']")).to_have_text("居家隔离人员: 1")
    expect(report.locator("li[data-category='risk-area']")).to_contain_text(": 0")
    csv_text = page.request.get(f"{console.url}/console/reports/download?community={comm}&day={date.today().isoformat()}&fmt=csv").text()
    assert "key persons: cold-chain,1" in csv_text and "key persons: released,0" in csv_text
    shot(page, shots, "report-key-persons")
    page.goto(console.url + "/console/keypersons")
    # another day: nobody arrived then
    page.fill("input[name=on]", (date.today() - timedelta(days=20)).isoformat())
    page.click("form[action='/console/keypersons'] button")
    expect(section.locator("table.keypersons")).to_contain_text("当日没有重点人员")
