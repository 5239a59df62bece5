"""A community's daily report (社区日报告/零报告) from its gates' own reports, as the kiosks filed them.

Each gate files its day's report each evening (a `daily_report` record; the latest one for the day
counts, a correction replaces it). The community's report sums the gates' figures and lists the key
persons by category (masked). It is a zero report only when every gate filed its day and each was a
zero report, and no alert of the community for that day is open (not closed): a gate that filed
nothing is named, never counted as zero.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from sync.common.daily_report import DailyReport, day_window
from sync.common.key_persons import KeyCategory
from sync.server.alerts.monitoring import community_devices
from sync.server.alerts.tables import alerts
from sync.server.devices.tables import devices
from sync.server.records.tables import records

COUNTS = tuple(f for f in DailyReport.__dataclass_fields__ if f not in ("day", "key_persons"))


def build(conn: Connection, community: str, day: date, tz: str) -> dict[str, Any]:
    ids = community_devices(conn, community)
    labels: dict[str, str] = {}
    if ids:
        labels = {str(r.device_id): str(r.label) for r in conn.execute(select(devices.c.device_id, devices.c.label).where(devices.c.device_id.in_(ids)))}
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    if ids:  # filed on the day itself or the next morning (a kiosk switched off at the hour)
        start = day_window(day, tz)[0]
        for dev, created_at, text in conn.execute(select(records.c.device_id, records.c.created_at, records.c.body).where(
                records.c.kind == "daily_report", records.c.device_id.in_(ids), records.c.created_at >= start)):
            try:
                body = json.loads(text)
            except ValueError:
                continue
            if isinstance(body, dict) and body.get("day") == day.isoformat() and (dev not in latest or created_at > latest[dev][0]):
                latest[dev] = (created_at, body)
    totals = dict.fromkeys(COUNTS, 0)
    by_category: dict[str, list[dict[str, Any]]] = {str(c): [] for c in KeyCategory}
    gates: list[dict[str, Any]] = []
    for dev in sorted(ids, key=lambda d: (labels.get(d, ""), d)):
        filed = latest.get(dev)
        if filed is None:
            gates.append({"device_id": dev, "gate": labels.get(dev, ""), "filed": False, "kind": None})
            continue
        body = filed[1]
        for f in COUNTS:
            value = body.get(f)
            totals[f] += value if isinstance(value, int) else 0
        for p in body.get("key_people") or []:
            for cat in p.get("categories") or []:
                by_category.setdefault(str(cat), []).append({"name_masked": p.get("name_masked", ""), "id_masked": p.get("id_masked", ""),
                                                             "gate": labels.get(dev, dev), "first_at": p.get("first_at", "")})
        gates.append({"device_id": dev, "gate": labels.get(dev, "") or body.get("gate", ""), "filed": True, "kind": body.get("kind"),
                      "filed_at": filed[0]})
    start, end = day_window(day, tz)
    open_alerts = [{"id": r.record_uuid, "kind": r.kind, "state": r.state, "message": r.message, "created_at": r.created_at}
                   for r in conn.execute(select(alerts).where(alerts.c.community == community, alerts.c.created_at >= start,
                                                              alerts.c.created_at < end, alerts.c.state != "closed")
                                         .order_by(alerts.c.created_at))]
    all_filed = bool(gates) and all(g["filed"] for g in gates)
    zero = all_filed and all(g["kind"] == "zero" for g in gates) and not open_alerts
    why = [] if zero else [text for ok, text in (
        (bool(gates), "the community has no gates"),
        (all_filed, "gates without a report: " + ", ".join(str(g["gate"] or g["device_id"]) for g in gates if not g["filed"])),
        (all(g["kind"] == "zero" for g in gates if g["filed"]), "a gate's day was not zero"),
        (not open_alerts, f"{len(open_alerts)} alert(s) of the day still open"),
    ) if not ok]
    return {"community": community, "date": day.isoformat(), "kind": "zero" if zero else "daily", "not_zero_because": why,
            "gates": gates, "totals": totals, "key_persons": {k: len(v) for k, v in by_category.items()},
            "key_people": by_category, "open_alerts": open_alerts}


def as_rows(report: dict[str, Any]) -> list[list[str]]:
    """The report as a table (CSV and XLSX): figures, gates, key persons by category, open alerts."""
    rows: list[list[str]] = [["community", report["community"]], ["date", report["date"]], ["kind", report["kind"]]]
    rows += [["not zero because", w] for w in report["not_zero_because"]]
    rows += [[name, str(value)] for name, value in report["totals"].items()]
    rows += [["gate", g["gate"] or g["device_id"], "filed" if g["filed"] else "NOT FILED", str(g["kind"] or "")] for g in report["gates"]]
    for cat, people in report["key_people"].items():
        rows += [["key person", cat, p["name_masked"], p["id_masked"], p["gate"], p["first_at"]] for p in people]
    rows += [["open alert", a["kind"], a["state"], a["created_at"], a["message"]] for a in report["open_alerts"]]
    return rows


def to_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(as_rows(report))
    return buf.getvalue()


def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{report['date']}"
    for row in as_rows(report):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
