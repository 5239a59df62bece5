"""The community console: server-rendered pages for community staff, mounted on the sync API's app.

`mount(app)` is the only hook app.py calls. Routes live in small route modules (`routes_*.py`);
templates, translations and static assets ship in this package (no CDN, no build step). Beside them:
`tables.py` (communities, accounts, sessions, audit, duty, and the projections its pages count),
`web.py` (what every route shares: templates, session, CSRF, roles), `auth.py`, `audit.py`,
`scope.py` (which gates and communities an account sees), `policy.py` (a community's lockdown in its
gates' bundles), `alerts.py`, `key_entries.py` and `figures.py` (the day's figures and key persons
from the projections), `cli_users.py` (`kiosk-central user` and `community`). What a page shows
belongs to its room (lists, alerts, contacts, reports, devices: sync/server/__init__.py).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from sync.server.console import policy as policy  # app.py: a community's lockdown in its gates' bundles

STATIC_DIR = Path(__file__).resolve().parent / "static"


def mount(app: FastAPI) -> None:
    from sync.server.console import (
        routes_audit,
        routes_auth,
        routes_contacts,
        routes_devices,
        routes_duty,
        routes_isolation,
        routes_keygroups,
        routes_keypersons,
        routes_overview,
        routes_people,
        routes_reports,
        routes_risk,
    )
    from sync.server.console.web import (
        SECURITY_HEADERS,
        Forbidden,
        Invalid,
        LoginRequired,
        NotFound,
        gettext_for,
        render,
    )

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET" and request.url.path != "/console/alerts/feed":  # a page: go and sign in; the feed: 401
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/console/login?next={target}", status_code=303)
        return Response("sign in first", status_code=401, media_type="text/plain")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        _ = gettext_for(request)
        return render(request, "message.html", None, status=403, title=_("Refused"), message=_(exc.message))

    @app.exception_handler(Invalid)
    async def _invalid(request: Request, exc: Invalid) -> Response:
        _ = gettext_for(request)
        return render(request, "message.html", None, status=400, title=_("Not saved"), message=_(exc.message))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return HTMLResponse("not found", status_code=404, headers=SECURITY_HEADERS)

    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    for module in (routes_auth, routes_overview, routes_devices, routes_duty, routes_people, routes_keygroups, routes_isolation, routes_risk, routes_keypersons, routes_contacts, routes_reports, routes_audit):
        app.include_router(module.router, include_in_schema=False)
