"""People: visitor registration, the residents roster (bundle or CSV), search, key groups.

ID numbers and phones go through the vault (ciphertext + keyed hash + masked form); the
journal records carry only masked forms and hashes, never the numbers themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import uuid6

from kiosk.domain.identity import DocType, FieldError, validate_id, validate_mobile, validate_name, validate_text
from kiosk.domain.masking import mask_id, mask_name, mask_phone
from kiosk.domain.policy import KeyGroup
from kiosk.domain.regions import lookup_region, region_matches
from kiosk.store.people_rows import key_groups_json, put_people
from kiosk.store.vault import Vault

_LEVELS = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True)
class VisitorForm:
    name: str
    phone: str
    id_type: str
    id_number: str
    origin_region: str  # GB/T 2260 code of where the visitor comes from
    reason: str
    host_building: str
    host_unit: str = ""
    host_room: str = ""
    risk_area_14d: bool = False  # been in a medium/high-risk area in the last 14 days
    inbound: bool = False  # entered from abroad
    cold_chain: bool = False  # works with imported cold-chain goods
    released: bool = False  # released from medical observation or recovered

    @property
    def key_groups(self) -> tuple[str, ...]:
        flags = (
            (self.risk_area_14d, KeyGroup.RISK_AREA_14D),
            (self.inbound, KeyGroup.INBOUND),
            (self.cold_chain, KeyGroup.COLD_CHAIN),
            (self.released, KeyGroup.RELEASED),
        )
        return tuple(str(g) for on, g in flags if on)


@dataclass(frozen=True)
class PersonView:
    """A person as the guard's screen may show them: numbers masked."""

    uuid: str
    kind: str
    name: str
    id_masked: str
    phone_masked: str
    building: str
    unit: str
    room: str
    origin_region: str
    key_groups: tuple[str, ...]
    source: str

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


_COLUMNS = "uuid, kind, name, id_masked, phone_masked, building, unit, room, origin_region, key_groups, source"


def _view(row: tuple[Any, ...]) -> PersonView:
    return PersonView(
        row[0], row[1], row[2], row[3] or "", row[4] or "", row[5] or "", row[6] or "", row[7] or "",
        row[8] or "", tuple(json.loads(row[9] or "[]")), row[10],
    )


def get_person(db: Any, person_uuid: str) -> PersonView | None:
    row = db.execute(f"select {_COLUMNS} from people where uuid = ?", [person_uuid]).fetchone()  # noqa: S608
    return _view(row) if row else None


def find_by_id_number(db: Any, vault: Vault, id_number: str) -> PersonView | None:
    """By the kiosk's own hash (people it registered) or the bundle's community-keyed hash (residents)."""
    hashes = [vault.lookup_hash(id_number), vault.roster_hash("id", id_number) or ""]
    row = db.execute(
        f"select {_COLUMNS} from people where id_hash in (?, ?) order by kind = 'resident' desc, updated_at desc limit 1",  # noqa: S608
        hashes,
    ).fetchone()
    return _view(row) if row else None


def search_people(db: Any, query: str, kind: str | None = None, limit: int = 20) -> list[PersonView]:
    """By name (part), building, or the last digits of the ID number (up to 4 are kept)."""
    q = query.strip()
    if not q:
        return []
    where, args = ["(name like ? escape '\\' or building = ?)"], [f"%{_like(q)}%", q]
    if q[-4:].isdigit() or (len(q) <= 4 and q.upper().rstrip("X").isdigit()):
        where = [f"({where[0]} or id_masked like ? escape '\\')"]
        args.append(f"%{_like(q.upper()[-4:])}")
    if kind:
        where.append("kind = ?")
        args.append(kind)
    sql = f"select {_COLUMNS} from people where {' and '.join(where)} order by name limit ?"  # noqa: S608
    return [_view(r) for r in db.execute(sql, [*args, limit]).fetchall()]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def risk_level_for(db: Any, origin_region: str) -> str | None:
    """The highest risk level of any listed area the origin falls in."""
    best: str | None = None
    for code, level in db.execute("select region_code, level from risk_areas").fetchall():
        if region_matches(origin_region, code) and _LEVELS.get(level, 0) > _LEVELS.get(best or "", 0):
            best = level
    return best


def validate_visitor(form: VisitorForm, today: dt.date) -> tuple[dict[str, str], list[FieldError]]:
    errors: list[FieldError] = []
    clean: dict[str, str] = {}
    for key, (value, err) in {
        "name": validate_name(form.name),
        "phone": validate_mobile(form.phone),
        "reason": validate_text(form.reason, "reason", max_len=500),
        "host_building": validate_text(form.host_building, "host_building", max_len=50),
        "host_unit": validate_text(form.host_unit, "host_unit", required=False, max_len=50),
        "host_room": validate_text(form.host_room, "host_room", required=False, max_len=50),
    }.items():
        clean[key] = value
        if err:
            errors.append(err)
    check = validate_id(form.id_type, form.id_number, today)
    errors.extend(check.errors)
    clean["id_number"], clean["id_type"] = check.number, str(check.doc_type)
    origin = (form.origin_region or "").strip()
    region = lookup_region(origin)
    if region is None:
        errors.append(FieldError("origin_region", "unknown-region", "请选择来源地区（6位行政区划代码）", "choose where the visitor comes from (a 6-digit region code)"))
    clean["origin_region"], clean["origin_name"] = origin, region.name if region else ""
    return clean, errors


def save_person(
    db: Any, vault: Vault, *, kind: str, name: str, now: str, id_type: str = "", id_number: str = "",
    phone: str = "", building: str = "", unit: str = "", room: str = "", origin_region: str = "",
    key_groups: Iterable[str] = (), source: str = "local", person_uuid: str | None = None,
) -> tuple[str, bool]:
    """Insert or update (same kind and ID hash, or same uuid) inside the caller's transaction.

    Returns (uuid, created).
    """
    id_cipher, id_hash = vault.protect(id_number) if id_number else (None, None)
    ph_cipher, ph_hash = vault.protect(phone) if phone else (None, None)
    existing = None
    if person_uuid:
        existing = db.execute("select uuid from people where uuid = ?", [person_uuid]).fetchone()
    if existing is None and id_hash:
        existing = db.execute("select uuid from people where kind = ? and id_hash = ?", [kind, id_hash]).fetchone()
    if existing is None and not id_hash and kind == "resident":  # no ID number: the same name at the same address
        existing = db.execute(
            "select uuid from people where kind = ? and id_hash is null and name = ? and building = ? and unit = ? and room = ?",
            [kind, name, building, unit, room],
        ).fetchone()
    uid = existing[0] if existing else person_uuid or str(uuid6.uuid7())
    put_people(db, [{
        "uuid": uid, "kind": kind, "name": name, "id_type": id_type or None, "id_cipher": id_cipher, "id_hash": id_hash,
        "id_masked": mask_id(id_number) or None, "phone_cipher": ph_cipher, "phone_hash": ph_hash,
        "phone_masked": mask_phone(phone) or None, "building": building, "unit": unit, "room": room,
        "origin_region": origin_region, "key_groups": key_groups_json(key_groups), "source": source,
        "created_at": now, "updated_at": now,
    }], keep=("kind",))  # a person found again keeps the kind they were saved with
    return uid, existing is None


def validate_resident(row: Mapping[str, Any], today: dt.date, where: str = "") -> tuple[dict[str, str], list[FieldError]]:
    """A roster row (bundle or CSV): name and building required; ID and phone checked if given."""
    errors: list[FieldError] = []

    def at(err: FieldError) -> FieldError:
        return FieldError(f"{where}{err.field}", err.code, err.zh, err.en) if where else err

    name, err = validate_name(str(row.get("name") or ""))
    errors += [at(err)] if err else []
    clean = {"name": name}
    for key in ("building", "unit", "room"):
        value, err = validate_text(str(row.get(key) or ""), key, required=key == "building", max_len=50)
        clean[key] = value
        errors += [at(err)] if err else []
    raw_id = str(row.get("id_number") or "").strip()
    clean["id_number"], clean["id_type"] = "", ""
    if raw_id:
        check = validate_id(str(row.get("id_type") or DocType.CN_ID), raw_id, today)
        errors += [at(e) for e in check.errors]
        clean["id_number"], clean["id_type"] = check.number, str(check.doc_type)
    raw_phone = str(row.get("phone") or "").strip()
    clean["phone"] = ""
    if raw_phone:
        clean["phone"], err = validate_mobile(raw_phone)
        errors += [at(err)] if err else []
    return clean, errors


def upsert_residents(
    db: Any, vault: Vault, rows: Iterable[Mapping[str, Any]], *, source: str, now: str, today: dt.date
) -> tuple[int, int]:
    """Validate every row, then write them all (inside the caller's transaction).

    Raises InvalidInput listing every bad row before anything is written. Bundle rows
    keep their uuid. Returns (added, updated).
    """
    from kiosk.service.common import InvalidInput

    cleaned, errors = [], []
    for n, row in enumerate(rows, start=1):
        clean, errs = validate_resident(row, today, where=str(row.get("_where") or f"row {n}: "))
        cleaned.append((clean, row.get("uuid")))
        errors += errs
    if errors:
        raise InvalidInput(errors)
    added = updated = 0
    for clean, uid in cleaned:
        _, created = save_person(
            db, vault, kind="resident", name=clean["name"], now=now, id_type=clean["id_type"],
            id_number=clean["id_number"], phone=clean["phone"], building=clean["building"], unit=clean["unit"],
            room=clean["room"], source=source, person_uuid=str(uid) if uid else None,
        )
        added, updated = added + created, updated + (not created)
    return added, updated


def key_group_people(db: Any, since: str | None = None) -> list[PersonView]:
    """People flagged in a key group, for the admin's health monitoring (newest first)."""
    sql = f"select {_COLUMNS} from people where key_groups != '[]'"  # noqa: S608
    args: list[Any] = []
    if since:
        sql += " and updated_at >= ?"
        args.append(since)
    return [_view(r) for r in db.execute(sql + " order by updated_at desc", args).fetchall()]
