"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import i18n
from sync.server.console.audit import audit
from sync.server.console.auth import SESSION_TTL_S, SignIn, close_session, open_session, sign_in
from sync.server.console.web import LANG_COOKIE, SESSION_COOKIE, Checked, engine_of, gettext_for, is_tls, render

router = APIRouter()
LOGIN_CSRF_COOKIE = "kc_login_csrf"  # before there is a session: double-submit token


def safe_next(value: str | None) -> str:
    """Only a path inside the console: never an open redirect."""
    if not value or not value.startswith("/console") or urlsplit(value).netloc or value.startswith("//"):
        return "/console/"
    return value


def _login_page(request: Request, error: str = "", status: int = 200, name: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", None, status=status, login_csrf=token, error=error, name=name,
                  next=safe_next(request.query_params.get("next")))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=is_tls(request), path="/console/login")
    return resp


@router.get("/console/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/console/login")
async def login(request: Request, name: Annotated[str, Form(max_length=60)] = "", password: Annotated[str, Form(max_length=200)] = "",
                csrf: Annotated[str, Form(max_length=100)] = "", next: Annotated[str, Form(max_length=500)] = "/console/") -> Response:
    _ = gettext_for(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf or not cookie or not hmac.compare_digest(csrf, cookie):
        return _login_page(request, _("The sign-in form expired; please try again."), 403, name)
    address = request.client.host if request.client else "?"

    def attempt() -> tuple[SignIn, str | None]:
        with engine_of(request).begin() as conn:
            result = sign_in(conn, name.strip(), password, address)
            token = None
            if result.account is not None:
                token = open_session(conn, result.account.name)
                audit(conn, result.account.name, "session.sign-in", result.account.name, f"from {address}")
        return result, token

    result, token = await run_in_threadpool(attempt)
    if result.account is None or token is None:
        if result.locked_for_s > 0:
            msg = _("Too many failed sign-ins: locked for %(seconds)d seconds.") % {"seconds": result.locked_for_s}
            return _login_page(request, msg, 429, name)
        return _login_page(request, _("Wrong name or password."), 401, name)
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_S, httponly=True, samesite="strict", secure=is_tls(request), path="/")
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return resp


@router.post("/console/logout")
async def logout(request: Request, session: Checked) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")

    def end() -> None:
        with engine_of(request).begin() as conn:
            close_session(conn, token)
            audit(conn, session.account.name, "session.sign-out", session.account.name)

    await run_in_threadpool(end)
    resp = RedirectResponse("/console/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/console/lang/{lang}")
def switch_language(request: Request, lang: str) -> Response:
    """A display preference only (no data changes): a cookie, then back to the page."""
    resp = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    resp.set_cookie(LANG_COOKIE, i18n.pick_language(lang), max_age=365 * 86400, samesite="strict", secure=is_tls(request), path="/")
    return resp
