"""Key groups in a real browser: staff tick a resident's key-group flags on the People page and a real
kiosk's next signed bundle carries them on the resident (kiosk table people.key_groups); clearing them
lifts them at the next pull. A POST without the CSRF token is refused, every change is audited."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from playwright.sync_api import Page, expect
from sqlalchemy import select

from sync.factory import make_link, make_puller
from sync.puller import PullResult, PullStatus
from sync.server.console.tables import audit_log
from sync.server.lists.tables import roster
from tests.console.conftest import ConsoleServer, add_gate, shot, sign_in


def _pull(kiosk: Any) -> PullResult:
    return make_puller(kiosk.store, make_link(kiosk.cfg, kiosk.creds, kiosk.store)).pull()


def _groups(kiosk: Any, uuid: str) -> list[str]:
    rows = list(kiosk.store.db.execute("select key_groups from people where uuid = ?", [uuid]))
    assert len(rows) == 1, rows
    return list(json.loads(rows[0][0]))


def _audited(console: ConsoleServer, actor: str) -> list[tuple[str, str]]:
    with console.engine.connect() as conn:
        return [(r.target, r.detail) for r in conn.execute(select(audit_log).where(audit_log.c.action == "person.key_groups", audit_log.c.actor == actor))]


def test_key_groups_set_on_the_people_page_reach_the_kiosks_bundle(console: ConsoleServer, page: Page, make_kiosk: Any, shots: Any) -> None:
    uuid = str(uuid4())
    with console.engine.begin() as conn:
        conn.execute(roster.insert().values(uuid=uuid, name="钱重点", building="9", unit="1", room="101"))
    comm = console.community()
    sign_in(page, console.url, console.account("admin"))
    kiosk = make_kiosk(console.url, add_gate(page, console.url, "重点人群测试门", comm), "重点人群测试门")
    assert _pull(kiosk).status is PullStatus.APPLIED and _groups(kiosk, uuid) == []
    page.click("form[action='/console/logout'] button")
    staff = console.account("staff", comm)
    sign_in(page, console.url, staff)
    page.goto(console.url + "/console/people")
    row = page.locator(f"#residents tr[data-person='{uuid}']")
    row.locator("input[value='inbound']").check()
    row.locator("input[value='cold-chain']").check()
    row.locator("button:has-text('保存')").click()
    row = page.locator(f"#residents tr[data-person='{uuid}']")
    expect(row.locator("input[value='inbound']")).to_be_checked()
    expect(row.locator("input[value='cold-chain']")).to_be_checked()
    expect(row.locator("input[value='released-or-recovered']")).not_to_be_checked()
    shot(page, shots, "key-groups-set")
    assert _audited(console, staff) == [(uuid, "cold-chain,inbound")]
    result = _pull(kiosk)
    assert result.status is PullStatus.APPLIED, result
    assert _groups(kiosk, uuid) == ["cold-chain", "inbound"]
    # a POST without the CSRF token is refused and changes nothing
    refused = page.request.post(f"{console.url}/console/people/{uuid}/key-groups", form={"group": "released-or-recovered"})
    assert refused.status == 403
    assert _pull(kiosk).status is PullStatus.UNCHANGED and _groups(kiosk, uuid) == ["cold-chain", "inbound"]
    # clearing them: the next bundle lifts them
    row.locator("input[value='inbound']").uncheck()
    row.locator("input[value='cold-chain']").uncheck()
    row.locator("button:has-text('保存')").click()
    expect(page.locator(f"#residents tr[data-person='{uuid}'] input[value='inbound']")).not_to_be_checked()
    assert _audited(console, staff)[-1] == (uuid, "none")
    assert _pull(kiosk).status is PullStatus.APPLIED and _groups(kiosk, uuid) == []


def test_an_unknown_key_group_is_refused(console: ConsoleServer, page: Page) -> None:
    uuid = str(uuid4())
    with console.engine.begin() as conn:
        conn.execute(roster.insert().values(uuid=uuid, name="孙未知"))
    sign_in(page, console.url, console.account("staff", console.community()))
    page.goto(console.url + "/console/people")
    token = page.locator(f"#residents tr[data-person='{uuid}'] input[name=csrf]").input_value()
    answer = page.request.post(f"{console.url}/console/people/{uuid}/key-groups", form={"csrf": token, "group": "tourist"})
    assert answer.status == 400 and "未知的重点人群" in answer.text()
    with console.engine.connect() as conn:
        assert conn.execute(select(roster.c.key_groups).where(roster.c.uuid == uuid)).scalar() == "[]"


def test_the_bundle_allows_exactly_the_kiosks_key_groups() -> None:
    from typing import get_args

    from kiosk.domain.policy import KeyGroup
    from sync.protocol.bundle import RosterEntry
    from sync.server.console.routes_people import GROUP_NAMES

    allowed = set(get_args(get_args(RosterEntry.model_fields["key_groups"].annotation)[0]))
    assert allowed == {g.value for g in KeyGroup} == set(GROUP_NAMES)
