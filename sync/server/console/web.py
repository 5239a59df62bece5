"""What every console route shares: templates per language, the signed-in session, CSRF, role checks.

Routes take these as typed dependencies: `Signed` (any account), `Editor` (admin or staff), `Admin`;
state-changing routes also depend on `csrf_checked`.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from sync.server.console import i18n
from sync.server.console.auth import Session, find_session
from sync.server.console.i18n import N_
from sync.server.context import ServerContext

SESSION_COOKIE = "kc_session"
LANG_COOKIE = "kc_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
TZ = ZoneInfo("Asia/Shanghai")  # times are shown in the community's zone (DESIGN.md default)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(Forbidden):
    """Bad input: shown like a refusal, with status 400 and what is wrong."""


class NotFound(Exception):
    pass


def local_time(value: str | None, fmt: str = "%m-%d %H:%M") -> str:
    """A stored UTC ISO time in the community's zone ("-" when there is none)."""
    if not value:
        return "-"
    try:
        return datetime.fromisoformat(value).astimezone(TZ).strftime(fmt)
    except ValueError:
        return value


@cache
def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sync.server.console", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language_names"] = i18n.LANGUAGE_NAMES
    env.filters["local"] = local_time
    return env


def ctx_of(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def engine_of(request: Request) -> Engine:
    return ctx_of(request).engine


def language(request: Request) -> str:
    return i18n.pick_language(request.cookies.get(LANG_COOKIE))


def gettext_for(request: Request) -> Any:
    return i18n.translations(language(request)).gettext


def is_tls(request: Request) -> bool:
    """Behind TLS directly, or behind a terminating proxy that says so."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def render(request: Request, template: str, session: Session | None, status: int = 200, **values: Any) -> HTMLResponse:
    lang = language(request)
    html = environment(lang).get_template(template).render(
        request=request, session=session, account=session.account if session else None,
        csrf=session.csrf if session else "", lang=lang, path=request.url.path, **values,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def current_session(request: Request) -> Session:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    with engine_of(request).connect() as conn:
        session = find_session(conn, token)
    if session is None:
        raise LoginRequired()
    return session


def editor_session(session: Annotated[Session, Depends(current_session)]) -> Session:
    if not session.account.can_edit:
        raise Forbidden(N_("This account may only read (viewer)."))
    return session


def admin_session(session: Annotated[Session, Depends(current_session)]) -> Session:
    if not session.account.is_admin:
        raise Forbidden(N_("Only an admin may do this."))
    return session


async def submitted_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette keeps the parsed form: the route reads it again for free
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def csrf_checked(request: Request, session: Annotated[Session, Depends(current_session)]) -> Session:
    """Every state-changing request carries the session's CSRF token (form field or header), or is refused with 403."""
    token = await submitted_token(request)
    if not token or not hmac.compare_digest(token, session.csrf):
        raise Forbidden(N_("The form's security token is missing or wrong (reload the page and try again)."))
    return session


Signed = Annotated[Session, Depends(current_session)]
Editor = Annotated[Session, Depends(editor_session)]
Admin = Annotated[Session, Depends(admin_session)]
Checked = Annotated[Session, Depends(csrf_checked)]
