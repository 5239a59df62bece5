"""How `kiosk-central` prints a listing: gates by label and short device id, local times,
nothing for an empty field (never `None`), aligned columns (rich measures CJK widths),
and `--json` with the same fields.

A listing is a list of rows (dicts) and the columns to show; each command builds its rows
once and hands them to `emit`, so the text and the JSON can never disagree."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from sync.protocol.classify import Verdict, classify
from sync.server.devices.tables import devices

SHORT_ID = 8  # a long id (a UUID) is cut to its first 8 characters; the server's own ids (gate-<12 hex>) are short already
SHORT_ENOUGH = 17
OUTCOMES = ("ok", "retry", "parked", "refused")


def short_id(device_id: str | None) -> str:
    d = device_id or ""
    return d if len(d) <= SHORT_ENOUGH else d[:SHORT_ID]


def gate_names(conn: Connection) -> dict[str, str]:
    """device id → its label ('' when the gate has none)."""
    return {d.device_id: d.label or "" for d in conn.execute(select(devices.c.device_id, devices.c.label))}


def local(iso: str | None, tz: ZoneInfo) -> str:
    """A stored UTC ISO time as the kiosk shows it: local, to the second, no zone suffix."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def local_iso(iso: str | None, tz: ZoneInfo) -> str | None:
    """The same time for --json: local ISO 8601 with its offset."""
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).astimezone(tz).isoformat(timespec="seconds")
    except ValueError:
        return iso


def lag(seconds: float | None) -> str:
    """'45 s', '12 min', '3 h 05 min', '2 d 4 h'."""
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s // 60 % 60:02d} min"
    return f"{s // 86400} d {s // 3600 % 24} h"


def seconds_between(earlier: str | None, later: str | None) -> float | None:
    if not earlier or not later:
        return None
    try:
        return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
    except ValueError:
        return None


def outcome(endpoint: str, status: int, error_code: str | None) -> str:
    """A logged request in the kiosk's words: ok / retry / parked (a refused batch) / refused."""
    verdict = classify(status, error_code)
    if verdict is Verdict.ACK:
        return "ok"
    if verdict in (Verdict.RETRY, Verdict.SPLIT):
        return "retry"
    if verdict is Verdict.PARK and endpoint == "batches":
        return "parked"
    return "refused"


def match_gate(device_id: str | None, label: str, wanted: str) -> bool:
    """--gate: a label (any case) or the start of a device id."""
    w = wanted.strip().casefold()
    return bool(w) and (label.casefold() == w or (device_id or "").casefold().startswith(w))


def text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return str(value)


def emit(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]], as_json: bool,
         json_rows: Iterable[Mapping[str, Any]] | None = None, out: TextIO | None = None, empty: str = "(none)") -> None:
    """columns: (field, heading). Text: an aligned table of those fields. JSON: the same fields."""
    out = out or sys.stdout
    keys = [k for k, _ in columns]
    if as_json:
        data = [{k: r.get(k) for k in keys} for r in (json_rows if json_rows is not None else rows)]
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str), file=out)
        return
    if not rows:
        print(empty, file=out)
        return
    from rich.console import Console
    from rich.table import Table, box

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold", highlight=False)
    for key, heading in columns:
        numeric = all(isinstance(r.get(key), int | float) and not isinstance(r.get(key), bool) for r in rows if r.get(key) is not None)
        table.add_column(heading, justify="right" if numeric and any(r.get(key) is not None for r in rows) else "left",
                         no_wrap=True, overflow="ellipsis" if key in ("message", "problem") else "fold")
    for r in rows:
        table.add_row(*(text_value(r.get(k)) for k in keys))
    Console(file=out, width=400, no_color=True, highlight=False, emoji=False, markup=False, soft_wrap=False).print(table)
