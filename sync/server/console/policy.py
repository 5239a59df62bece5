"""Per-community policy in each gate's bundle: a community in lockdown sends lockdown to its own gates.

app.py calls `apply(conn, device_id, content)` after building the shared bundle (the one hook).
The server-wide mode (`kiosk-central mode`) still applies to every gate: lockdown wins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from sync.server.console.scope import device_community_map
from sync.server.console.tables import communities


def community_mode(conn: Connection, device_id: str) -> str:
    comm = device_community_map(conn).get(device_id)
    if comm is None:
        return "normal"
    mode = conn.execute(select(communities.c.mode).where(communities.c.community_id == comm)).scalar()
    return str(mode or "normal")


def apply(conn: Connection, device_id: str, content: dict[str, Any]) -> dict[str, Any]:
    if community_mode(conn, device_id) == "lockdown":
        content["policy"] = {**content.get("policy", {}), "mode": "lockdown"}
    return content
