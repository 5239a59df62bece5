"""Read-only admin views shared by the HTTP admin routes and the CLI: devices and their records."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, func, select

from sync.server.devices.tables import devices
from sync.server.records.ingest import ChainState, find_gaps
from sync.server.records.tables import records


def device_views(engine: Engine) -> list[dict[str, Any]]:
    """Each device: last seen, records held, backlog (what the kiosk has not yet delivered), gaps, chain status,
    and its last `kiosk doctor` result."""
    out = []
    with engine.connect() as conn:
        counts: dict[str, int] = {str(k): int(v) for k, v in conn.execute(select(records.c.device_id, func.count()).group_by(records.c.device_id)).all()}
        for d in conn.execute(select(devices).order_by(devices.c.enrolled_at)):
            st = ChainState(d.stored_through_seq, d.verified_through_seq, d.verified_hash, d.max_seq, d.chain_status, d.chain_problem)
            gaps = [{"first": g.first, "last": g.last} for g in find_gaps(conn, d.device_id, st)]
            backlog = None if d.reported_last_seq is None else max(0, d.reported_last_seq - d.stored_through_seq)
            out.append({
                "device_id": d.device_id, "label": d.label, "enrolled_at": d.enrolled_at, "last_seen_at": d.last_seen_at,
                "disabled": bool(d.disabled), "records": int(counts.get(d.device_id, 0)), "acked_through_seq": d.stored_through_seq,
                "verified_through_seq": d.verified_through_seq, "max_seq": d.max_seq, "reported_last_seq": d.reported_last_seq,
                "backlog": backlog, "gaps": gaps, "chain_status": d.chain_status, "chain_problem": d.chain_problem,
                **doctor_view(d.doctor_at, d.doctor_ok, d.doctor_json),
            })
    return out


def doctor_view(at: str | None, ok: bool | None, raw: str | None) -> dict[str, Any]:
    """The kiosk's last `kiosk doctor`: a one-line verdict for the list, and every line for the console."""
    if at is None or raw is None:
        return {"doctor": "never run", "doctor_at": None, "doctor_checks": []}
    checks = json.loads(raw).get("checks", [])
    failing = [c["name"] for c in checks if not c.get("ok")]
    verdict = "all ✔" if ok and not failing else "✗ " + ", ".join(failing)
    return {"doctor": verdict, "doctor_at": at, "doctor_checks": checks}


def record_counts(engine: Engine, device_id: str | None = None) -> dict[str, int]:
    query = select(records.c.device_id, func.count()).group_by(records.c.device_id)
    if device_id:
        query = query.where(records.c.device_id == device_id)
    with engine.connect() as conn:
        return {str(k): int(v) for k, v in conn.execute(query).all()}

