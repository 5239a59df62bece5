"""What the routes of one app share, as one typed dependency: `Services`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sync.server.alerts.notify import Notifier
from sync.server.context import ServerContext
from sync.server.devices.ratelimit import RateLimits


@dataclass(frozen=True)
class AppServices:
    """Made once by create_app and kept on app.state; the app closes `ctx` when it shuts down."""

    ctx: ServerContext
    limits: RateLimits
    notifier: Notifier | None  # None without KIOSK_CENTRAL_ALERT_WEBHOOK_URL


async def app_services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


Services = Annotated[AppServices, Depends(app_services)]
