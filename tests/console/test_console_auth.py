"""Accounts in a real browser: sign-in, the growing lock-out, CSRF refusal, sign-out; the user CLI."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from sync.server.console.auth import FIRST_LOCK_S, FREE_TRIES, lockout_seconds
from sync.server.console.tables import audit_log, sessions
from tests.console.conftest import PASSWORD, ConsoleServer, shot, sign_in
from tests.server.central import BIN


def test_lockout_rule_grows_then_caps() -> None:
    assert [lockout_seconds(n) for n in range(FREE_TRIES)] == [0] * FREE_TRIES
    assert [lockout_seconds(FREE_TRIES + i) for i in range(3)] == [FIRST_LOCK_S, 2 * FIRST_LOCK_S, 4 * FIRST_LOCK_S]
    assert lockout_seconds(100) == 3600


def test_sign_in_shows_the_overview_in_chinese_and_switches_to_english(console: ConsoleServer, page: Page, shots: Path) -> None:
    comm = console.community("东区社区")
    name = console.account("staff", comm)
    page.goto(console.url + "/console/")
    assert "/console/login" in page.url, "a page without a session goes to the sign-in"
    shot(page, shots, "login")
    sign_in(page, console.url, name)
    expect(page.locator("h1")).to_contain_text("总览")
    cookie = next(c for c in page.context.cookies() if c["name"] == "kc_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    with console.engine.connect() as conn:
        assert conn.execute(select(sessions.c.name).where(sessions.c.name == name)).scalar() == name, "the session lives in the database"
    shot(page, shots, "overview-zh")
    page.click("a.lang")
    expect(page.locator("h1")).to_contain_text("Overview")
    shot(page, shots, "overview-en")
    page.click("form[action='/console/logout'] button")
    page.goto(console.url + "/console/")
    assert "/console/login" in page.url, "signed out: the session is gone"


def test_wrong_passwords_lock_the_account_even_against_the_right_one(console: ConsoleServer, page: Page, shots: Path) -> None:
    comm = console.community()
    name = console.account("viewer", comm)
    for i in range(FREE_TRIES):
        sign_in(page, console.url, name, "wrong password!")
        expect(page.locator("#login-error")).to_be_visible()
        if i < FREE_TRIES - 1:
            expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    expect(page.locator("#login-error")).to_contain_text("锁定")
    sign_in(page, console.url, name, PASSWORD)
    expect(page.locator("#login-error")).to_contain_text("锁定")
    assert "/console/login" in page.url
    shot(page, shots, "login-locked")


def test_a_post_without_the_csrf_token_is_refused(console: ConsoleServer, page: Page, shots: Path) -> None:
    comm = console.community()
    name = console.account("staff", comm)
    sign_in(page, console.url, name)
    # the browser carries the session cookie; only the token is missing
    resp = page.request.post(console.url + "/console/people/mode", form={"community_id": comm, "mode": "lockdown"})
    assert resp.status == 403
    resp = page.request.post(console.url + "/console/people/mode", form={"community_id": comm, "mode": "lockdown", "csrf": "forged"})
    assert resp.status == 403
    # a real form whose token was tampered with is refused as well, and nothing changed
    page.goto(console.url + "/console/people")
    page.eval_on_selector("form[action='/console/people/mode'] input[name=csrf]", "el => el.value = 'tampered'")
    page.click("form[action='/console/people/mode'] button")
    expect(page.locator("p.error")).to_contain_text("安全令牌")
    shot(page, shots, "csrf-refused")
    page.goto(console.url + "/console/people")
    expect(page.locator(f"tr[data-community={comm}] .badge")).to_have_text("正常")
    # with the page's own token the same change goes through, and is audited
    page.click("form[action='/console/people/mode'] button")
    expect(page.locator(f"tr[data-community={comm}] .badge")).to_have_text("封闭")
    with console.engine.connect() as conn:
        assert conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "community.mode", audit_log.c.target == comm)).scalar() == name


def test_user_commands_read_the_password_from_stdin(console: ConsoleServer, tmp_path: Path) -> None:
    c = console.central
    comm = console.community()

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN), *args, "--data-dir", str(c.data_dir), "--db", c.db_url], input=stdin, capture_output=True, text=True, timeout=60)

    short = run("user", "add", "kim", "--role", "staff", "--community", comm, stdin="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    nocomm = run("user", "add", "kim", "--role", "staff", stdin="long enough pass\n")
    assert nocomm.returncode == 2 and "--community" in nocomm.stderr
    assert run("user", "add", "kim", "--role", "staff", "--community", comm, stdin="long enough pass\n").returncode == 0
    listed = run("user", "list").stdout
    assert re.search(rf"^kim  staff  {comm}$", listed, re.M), listed
    assert run("user", "disable", "kim").returncode == 0
    assert "DISABLED" in run("user", "list").stdout
    assert run("user", "reset-password", "kim", stdin="another long pass\n").returncode == 0
    assert "DISABLED" not in run("user", "list").stdout
    assert run("user", "disable", "nobody").returncode == 2
