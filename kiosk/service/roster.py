"""Residents roster from an admin's CSV file: all rows valid, or nothing imported.

Accepted headers (English or Chinese): name/姓名, id_number/身份证号, phone/手机号,
building/楼栋, unit/单元, room/房号, optional id_type/证件类型. UTF-8 with or without BOM.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.identity import FieldError
from kiosk.domain.report import local_day
from kiosk.service.common import InvalidInput
from kiosk.service.people import upsert_residents
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.protocol.clock import Clock, utc_iso

HEADERS = {
    "name": "name", "姓名": "name", "id_number": "id_number", "身份证号": "id_number", "身份证号码": "id_number",
    "phone": "phone", "手机号": "phone", "手机": "phone", "building": "building", "楼栋": "building", "楼号": "building",
    "unit": "unit", "单元": "unit", "room": "room", "房号": "room", "id_type": "id_type", "证件类型": "id_type",
}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RosterImport:
    added: int
    updated: int
    record_uuid: str


def _error(where: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput([FieldError(where, "bad-file", zh, en)])


def import_roster_csv(store: Store, vault: Vault, path: Path, clock: Clock, tz: str) -> RosterImport:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _error("file", "文件须为 UTF-8 编码的 CSV", "the file must be CSV in UTF-8 (save it as 'CSV UTF-8')") from None
    except OSError as exc:
        raise _error("file", f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise _error("file", "文件为空", "the file is empty")
    keys = [HEADERS.get(h.strip().lower(), HEADERS.get(h.strip(), "")) for h in header]
    unknown = [h for h, k in zip(header, keys, strict=True) if not k]
    if unknown or "name" not in keys or "building" not in keys:
        raise _error("line 1", f"表头须含 姓名(name) 与 楼栋(building)，未知列：{unknown}",
                     f"the header needs name and building; unknown columns: {unknown}")
    rows = []
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(keys):
            raise _error(f"line {n}", f"第{n}行有{len(values)}列，表头有{len(keys)}列", f"line {n} has {len(values)} columns, the header {len(keys)}")
        row: dict[str, str] = dict(zip(keys, values, strict=True))
        row["_where"] = f"line {n}: "
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise _error("file", f"行数超过{MAX_ROWS}", f"more than {MAX_ROWS} rows")
    now = clock()
    with store.writing() as w:
        added, updated = upsert_residents(w.db, vault, rows, source="import", now=utc_iso(now), today=local_day(now, tz))
        rec = w.append("roster_import", {"file": Path(path).name, "added": added, "updated": updated}, created_at=utc_iso(now))
    return RosterImport(added, updated, rec.uuid)
