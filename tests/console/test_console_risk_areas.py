"""Risk areas in a real browser: staff set a region's level on the page (named from GB/T 2260) and a real
kiosk's next signed bundle carries it; removing it lifts it at the next pull. A code that is not in
GB/T 2260 is refused with the reason, viewers are refused, a POST without the CSRF token is refused, every
change is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from sync.factory import make_link, make_puller
from sync.puller import PullResult, PullStatus
from sync.server.console.tables import audit_log
from sync.server.lists import risk_areas
from tests.console.conftest import ConsoleServer, add_gate, shot, sign_in


def _pull(kiosk: Any) -> PullResult:
    return make_puller(kiosk.store, make_link(kiosk.cfg, kiosk.creds, kiosk.store)).pull()


def _held(kiosk: Any) -> list[tuple[Any, ...]]:
    return list(kiosk.store.db.execute("select region_code, level, since from risk_areas order by region_code"))


def _audited(console: ConsoleServer, actor: str) -> list[tuple[str, str]]:
    with console.engine.connect() as conn:
        return [(r.target, r.detail) for r in conn.execute(select(audit_log).where(audit_log.c.action == "risk_area.set", audit_log.c.actor == actor))]


def test_a_risk_area_set_on_the_page_reaches_the_kiosks_bundle(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Any) -> None:
    comm = console.community()
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "风险地区测试门", comm), "风险地区测试门")
    assert _pull(kiosk).status is PullStatus.APPLIED and ("420106", "high", "2026-11-20") not in _held(kiosk)
    page.click("form[action='/console/logout'] button")
    staff = console.account("staff", comm)
    sign_in(page, console.url, staff)
    page.goto(console.url + "/console/risk-areas")
    expect(page.locator("nav a[href='/console/risk-areas']")).to_have_attribute("aria-current", "page")
    form = page.locator("#risk-set")
    form.locator("input[name=region_code]").fill("999999")  # six digits but never a GB/T 2260 code: refused
    form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("GB/T 2260")
    page.goto(console.url + "/console/risk-areas")
    form.locator("input[name=region_code]").fill("420106")
    form.locator("select[name=level]").select_option("high")
    form.locator("input[name=since]").fill("2026-11-20")
    form.locator("button[type=submit]").click()
    row = page.locator("#risk-areas tr[data-region='420106']")
    expect(row).to_contain_text("湖北省")  # the region's name from GB/T 2260
    expect(row).to_contain_text("武昌区")
    expect(row).to_contain_text("高风险")
    shot(page, shots, "risk-area-set")
    assert _audited(console, staff) == [("420106", "high since 2026-11-20")]
    result = _pull(kiosk)
    assert result.status is PullStatus.APPLIED, result
    assert ("420106", "high", "2026-11-20") in _held(kiosk)
    # a POST without the CSRF token is refused and changes nothing
    refused = page.request.post(f"{console.url}/console/risk-areas/420106/remove", form={})
    assert refused.status == 403
    assert _pull(kiosk).status is PullStatus.UNCHANGED and ("420106", "high", "2026-11-20") in _held(kiosk)
    # removing it: the next bundle lifts it
    row.locator("button").click()
    expect(page.locator("#risk-areas tr[data-region='420106']")).to_have_count(0)
    assert _audited(console, staff)[-1] == ("420106", "removed")
    assert _pull(kiosk).status is PullStatus.APPLIED and all(r[0] != "420106" for r in _held(kiosk))


def test_a_viewer_may_not_open_or_change_the_risk_areas(console: ConsoleServer, page: Page) -> None:
    sign_in(page, console.url, console.account("viewer", console.community()))
    page.goto(console.url + "/console/")
    expect(page.locator("nav a[href='/console/risk-areas']")).to_have_count(0)
    response = page.goto(console.url + "/console/risk-areas")
    assert response is not None and response.status == 403


@pytest.mark.parametrize(("code", "level", "since", "problem"), [
    ("42010", "high", "2026-11-20", "code-format"),
    ("42010a", "high", "2026-11-20", "code-format"),
    ("999999", "high", "2026-11-20", "code-unknown"),
    ("420106", "severe", "2026-11-20", "level"),
    ("420106", "low", "20.11.2026", "since"),
])
def test_risk_area_entries_are_checked(code: str, level: str, since: str, problem: str) -> None:
    with pytest.raises(risk_areas.RiskAreaError) as err:
        risk_areas.check(code, level, since)
    assert err.value.problem == problem


def test_a_valid_entry_is_cleaned() -> None:
    assert risk_areas.check(" 420106 ", "medium", "2026-11-20") == ("420106", "medium", "2026-11-20")
    assert date.fromisoformat(risk_areas.check("110105", "none", "2026-01-01")[2])
