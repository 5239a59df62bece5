"""Exports for admins: gate entries of a period as CSV or XLSX (openpyxl).

ID numbers and phones are masked unless `full` is asked (the command checks the admin
PIN first). Cells that a spreadsheet would run as a formula (=, +, -, @) are written as
text, so a visitor's "name" can never execute anything on the admin's computer. Every
export file is written 0600 (only the kiosk's account can read it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import zoneinfo
from pathlib import Path
from typing import Any, BinaryIO

from kiosk.domain.masking import mask_name, mask_text
from kiosk.domain.report import day_window
from kiosk.store.db import Store
from kiosk.store.vault import Vault

COLUMNS = (
    "time", "direction", "person_kind", "name", "id_number", "phone", "lane", "code_format", "code_status",
    "code_colour", "colour_source", "temperature_c", "fever_confirmed", "outcome", "reasons", "overridden",
    "override_reason", "guard", "record_uuid",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_rows(store: Store, vault: Vault, first: dt.date, last: dt.date, tz: str, *, full: bool = False) -> list[dict[str, Any]]:
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    start, end = day_window(first, tz)[0], day_window(last, tz)[1]
    zone = zoneinfo.ZoneInfo(tz)
    rows = store.db.execute(
        "select e.created_at, e.direction, e.person_kind, p.name, p.id_cipher, p.id_masked, p.phone_cipher, p.phone_masked,"
        " e.lane, e.code_format, e.code_status, e.code_colour, e.colour_source, e.temperature_c, e.fever_confirmed,"
        " e.outcome, e.reasons, e.overridden, e.override_reason, e.guard, e.record_uuid, j.body"
        " from gate_entries e join journal j on j.uuid = e.record_uuid left join people p on p.uuid = e.person_uuid"
        " where e.created_at >= ? and e.created_at < ? order by e.created_at, e.seq",
        [start, end],
    ).fetchall()
    out = []
    for r in rows:
        body_id = json.loads(r[21]).get("id_masked") or ""
        if full:
            name = r[3] or ""
            id_number = vault.reveal(r[4]) if r[4] else body_id
            phone = vault.reveal(r[6]) if r[6] else ""
            why = r[18] or ""
        else:
            name, id_number, phone = mask_name(r[3]), r[5] or body_id, r[7] or ""
            why = mask_text(r[18])
        out.append(dict(zip(COLUMNS, (
            dt.datetime.fromisoformat(r[0]).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), r[1], r[2], name,
            id_number, phone, r[8], r[9] or "", r[10] or "", r[11] or "", r[12] or "", r[13], bool(r[14]), r[15],
            ",".join(json.loads(r[16])), bool(r[17]), why, r[19] or "", r[20],
        ), strict=True)))
    return out


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _open_private(path: Path) -> BinaryIO:
    """Exports hold personal data (full ones, every number): the file is 0600 from its first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file of the same name keeps its mode through O_CREAT: tighten it
    return os.fdopen(fd, "wb")


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """UTF-8 with a BOM so that Excel shows Chinese correctly."""
    with _open_private(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _safe(v) for k, v in row.items()})


def write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    """openpyxl: the well-kept pure-Python XLSX writer; every string cell typed as text."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = "gate entries"
    ws.append(list(COLUMNS))
    for i, row in enumerate(rows, start=2):
        for j, key in enumerate(COLUMNS, start=1):
            value = row[key]
            if isinstance(value, str):
                # XML cannot hold control characters (a name from elsewhere might): show them as �.
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            cell = ws.cell(row=i, column=j)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    ws.freeze_panes = "A2"
    with _open_private(path) as fh:
        wb.save(fh)
