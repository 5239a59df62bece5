"""People, duty and the phone layout in a real browser: a roster CSV with one bad row is refused whole,
a good one reaches a kiosk's bundle; a community's lockdown reaches its gates; the public duty page shows
the duty phone and no personal data; every page fits a 360-px-wide screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from kiosk.store import state
from sync.factory import make_link, make_puller
from sync.puller import PullResult, PullStatus
from sync.server.console.tables import audit_log
from sync.server.lists.tables import roster
from tests.console.conftest import ConsoleServer, add_gate, shot, sign_in

GOOD = "name,id_number,phone,building,unit,room\n张三,11010519491231002X,13800138000,1,2,301\n李四,,13900139000,1,2,302\n"
BAD = GOOD + "王五,,12345,1,2,303\n"  # one bad row: the phone


# WCAG 2 contrast of every element that holds text, against the first opaque background behind it.
CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                       if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + " '" + el.textContent.trim().slice(0, 20) + "' " + ratio.toFixed(2));
  }
  return low;
}"""


def _roster_count(console: ConsoleServer) -> int:
    with console.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(roster)).scalar() or 0)


def _upload(page: Page, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.set_input_files("form[action='/console/people/import'] input[type=file]", str(path))
    page.click("form[action='/console/people/import'] button")


def test_roster_csv_with_a_bad_row_is_refused_whole(console: ConsoleServer, page: Page, tmp_path: Path, make_kiosk: Any, shots: Path) -> None:
    comm = console.community()
    admin = console.account("admin")
    sign_in(page, console.url, admin)
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "东门", comm), "东门")
    before = _roster_count(console)
    page.goto(console.url + "/console/people")
    _upload(page, tmp_path, "bad.csv", BAD)
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("line 4")
    expect(problems).to_contain_text("phone")
    expect(problems.locator("li")).to_have_count(1)
    shot(page, shots, "roster-refused")
    assert _roster_count(console) == before, "nothing half-imported"
    _upload(page, tmp_path, "good.csv", GOOD)
    expect(page.locator("#import-notice")).to_contain_text("2")
    assert _roster_count(console) == before + 2
    expect(page.locator("#residents")).to_contain_text("138****8000")
    expect(page.locator("#residents")).not_to_contain_text("13800138000")
    shot(page, shots, "roster-imported")
    # the kiosk's next pull brings the new residents (the bundle moved on)
    result = _pull(kiosk)
    assert result.status is PullStatus.APPLIED and result.roster >= 2, result
    names = {r[0] for r in kiosk.store.db.execute("select name from people")}
    assert {"张三", "李四"} <= names
    page.goto(console.url + "/console/people")
    expect(page.locator("#bundle-holders")).to_contain_text("已获取最新名单包")
    # revealing a resident's full ID is an admin action, and audited
    page.locator("#residents form[action$='/reveal'] button").first.click()
    expect(page.locator("main")).to_contain_text("审计")
    with console.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.action == "person.reveal", audit_log.c.actor == admin)).scalar() == 1


def _pull(kiosk: Any) -> PullResult:
    return make_puller(kiosk.store, make_link(kiosk.cfg, kiosk.creds, kiosk.store)).pull()


def test_lockdown_of_a_community_reaches_only_its_gates(console: ConsoleServer, page: Page, make_kiosk: Any) -> None:
    closed, open_ = console.community(), console.community()
    sign_in(page, console.url, console.account("admin"))
    inside = make_kiosk(console.url, add_gate(page, console.url, "封闭小区门", closed), "a")
    outside = make_kiosk(console.url, add_gate(page, console.url, "正常小区门", open_), "b")
    page.goto(console.url + "/console/people")
    page.click(f"tr[data-community={closed}] button")
    expect(page.locator(f"tr[data-community={closed}] .badge")).to_have_text("封闭")
    for kiosk, mode in ((inside, "lockdown"), (outside, "normal")):
        assert _pull(kiosk).status is PullStatus.APPLIED
        held = state.get(kiosk.store.db, state.MODE_FROM_BUNDLE)
        assert held is not None and held[0] == mode, (mode, held)


def test_public_duty_page_shows_the_duty_phone_and_nothing_personal(console: ConsoleServer, page: Page, browser: Browser,
                                                                     make_kiosk: Any, shots: Path) -> None:
    comm = console.community("西园社区")
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "西园正门", comm), "西园正门")
    staff = console.account("staff", comm)
    page.click("form[action='/console/logout'] button")
    sign_in(page, console.url, staff)
    page.goto(console.url + "/console/duty")
    form = page.locator(f"section[data-device='{kiosk.creds.device_id}'] form[action='/console/duty/add']")
    form.locator("input[name=name]").fill("赵值班")
    form.locator("input[name=phone]").fill("12")
    form.locator("button").click()
    expect(page.locator("p.error")).to_contain_text("电话")
    page.goto(console.url + "/console/duty")
    form.locator("input[name=name]").fill("赵值班")
    form.locator("input[name=phone]").fill("010-6512 3456")
    form.locator("button").click()
    expect(page.locator(f"section[data-device='{kiosk.creds.device_id}']")).to_contain_text("010-6512 3456")
    public = browser.new_context(viewport={"width": 360, "height": 740}).new_page()  # nobody signed in
    public.goto(console.url + "/duty")
    body = public.inner_text("body")
    assert "赵值班" in body and "010-6512 3456" in body and "西园正门" in body
    for private in ("张三", "11010519491231002X", "138****8000", kiosk.creds.device_id, "sign out", "退出"):
        assert private not in body, private
    assert public.locator("nav").count() == 0 and public.locator("form").count() == 0
    size = public.eval_on_selector(".phone", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 28, f"the duty phone is in large type ({size}px)"
    shot(public, shots, "duty-public-phone")
    public.context.close()


def test_pages_fit_a_phone_screen(console: ConsoleServer, browser: Browser, shots: Path) -> None:
    comm = console.community()
    name = console.account("staff", comm)
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = ctx.new_page()
    sign_in(page, console.url, name)
    for path, shot_name in (("/console/", "phone-overview"), ("/console/duty", "phone-duty"), ("/console/reports", "phone-report"),
                            ("/console/people", "phone-people"), ("/console/devices", "phone-devices"),
                            ("/console/isolation", "phone-isolation"),
                            ("/console/keypersons", "phone-keypersons"),
                            ("/console/contacts", "phone-contacts")):
        page.goto(console.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360-px screen"
        low = page.evaluate(CONTRAST_JS)
        assert not low, f"{path}: text below 4.5:1 contrast: {low[:5]}"
        shot(page, shots, shot_name)
    ctx.close()
