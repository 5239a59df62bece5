"""Building the bundle the kiosks pull, from the admin-maintained tables, and recording changes to it;
the roster's entries checked (clean_person) and sealed on the way in."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import uuid4

from cryptography.fernet import Fernet
from sqlalchemy import Connection, delete, select

from sync.common.identity import normalise_mobile, normalise_number, validate_id, validate_mobile, validate_name
from sync.common.masking import mask_id, mask_phone
from sync.protocol import roster_lookup_hash
from sync.server.lists.tables import risk_areas, roster, server_state, trust_entries

NEVER = "1970-01-01T00:00:00+00:00"


def touch(conn: Connection, now_iso: str) -> None:
    """Mark the bundle as changed (its issued_at, hence its ETag, moves on)."""
    _put(conn, "bundle_changed_at", now_iso)


def get_state(conn: Connection, key: str, default: str) -> str:
    value = conn.execute(select(server_state.c.value).where(server_state.c.key == key)).scalar()
    return default if value is None else str(value)


def _put(conn: Connection, key: str, value: str) -> None:
    if conn.execute(select(server_state.c.key).where(server_state.c.key == key)).first() is None:
        conn.execute(server_state.insert().values(key=key, value=value))
    else:
        conn.execute(server_state.update().where(server_state.c.key == key).values(value=value))


def set_mode(conn: Connection, mode: str, now_iso: str) -> None:
    if mode not in ("normal", "lockdown"):
        raise ValueError(f"mode must be normal or lockdown, got {mode!r}")
    _put(conn, "mode", mode)
    touch(conn, now_iso)


def seal(key: Fernet, value: str) -> str:
    return key.encrypt(value.encode("utf-8")).decode("ascii") if value else ""


FERNET_PREFIX = "gAAAAA"  # every Fernet token (version byte 0x80 + timestamp) starts so in base64


def unseal(key: Fernet, value: str) -> str:
    """Decrypt a sealed value. Rows written before migration 0002 hold clear text and are read
    as they are (re-import the roster to seal them); a token that fails to decrypt is an error."""
    if not value or not value.startswith(FERNET_PREFIX):
        return value
    return key.decrypt(value.encode("ascii")).decode("utf-8")


ROSTER_FIELDS = ("name", "id_number", "phone", "building", "unit", "room")  # a resident's fields, in the CSV's column order


def clean_person(raw: dict[str, str], where: str) -> dict[str, str]:
    """Validated roster fields, or ValueError naming the field and what is wrong."""
    name, err = validate_name(raw.get("name", ""))
    if err:
        raise ValueError(f"{where}{err}")
    out = {"name": name, "building": raw.get("building", "").strip(), "unit": raw.get("unit", "").strip(), "room": raw.get("room", "").strip()}
    idn = raw.get("id_number", "").strip()
    if idn:
        check = validate_id("cn-id", idn, date.today())
        if not check.ok:
            raise ValueError(f"{where}{check.errors[0]}")
        idn = check.number
    phone = raw.get("phone", "").strip()
    if phone:
        phone, perr = validate_mobile(phone)
        if perr:
            raise ValueError(f"{where}{perr}")
    for f in ("building", "unit", "room"):
        if len(out[f]) > 20:
            raise ValueError(f"{where}{f}: at most 20 characters")
    return out | {"id_number": idn, "phone": phone}


def add_resident(conn: Connection, key: Fernet, *, name: str, id_number: str = "", phone: str = "", building: str = "",
                 unit: str = "", room: str = "", uuid: str | None = None, now_iso: str) -> str:
    """Add or replace one roster entry (ID number and phone sealed) and move the bundle on.
    The caller validates the values (clean_person)."""
    uid = uuid or str(uuid4())
    conn.execute(delete(roster).where(roster.c.uuid == uid))
    conn.execute(roster.insert().values(uuid=uid, name=name, id_number=seal(key, id_number), phone=seal(key, phone),
                                        building=building, unit=unit, room=room))
    touch(conn, now_iso)
    return uid


def roster_entry(row: Any, key: Fernet, lookup_key: bytes) -> dict[str, Any]:
    """One resident as the kiosks get it: keyed look-up hashes and masked forms, never the numbers
    (the numbers are unsealed here only to hash and mask them)."""
    id_number, phone = normalise_number(unseal(key, row.id_number)), normalise_mobile(unseal(key, row.phone))
    return {
        "uuid": row.uuid, "name": row.name,
        "id_hash": roster_lookup_hash(lookup_key, "id", id_number) if id_number else "", "id_masked": mask_id(id_number),
        "phone_hash": roster_lookup_hash(lookup_key, "phone", phone) if phone else "", "phone_masked": mask_phone(phone),
        "building": row.building, "unit": row.unit, "room": row.room,
        "key_groups": json.loads(row.key_groups or "[]"),
    }


def build(conn: Connection, key: Fernet, lookup_key: bytes) -> dict[str, Any]:
    """The bundle for one community: `lookup_key` is that community's roster key."""
    trust: dict[str, Any] = {"dsc": [], "cn_issuers": [], "revoked": {"uvci_sha256": [], "signature_sha256": []}}
    for t in conn.execute(select(trust_entries).order_by(trust_entries.c.kind, trust_entries.c.kid)):
        if t.kind == "dsc":
            trust["dsc"].append({"kid": t.kid, "certificate": t.material})
        elif t.kind == "cn_issuer":
            trust["cn_issuers"].append({"kid": t.kid, "public_key": t.material, "issuer": t.issuer})
        elif t.kind == "revoked_uvci":
            trust["revoked"]["uvci_sha256"].append(t.kid)
        elif t.kind == "revoked_signature":
            trust["revoked"]["signature_sha256"].append(t.kid)
    people = [roster_entry(r, key, lookup_key) for r in conn.execute(select(roster).order_by(roster.c.uuid))]
    areas = [{"region_code": a.region_code, "level": a.level, "since": a.since} for a in conn.execute(select(risk_areas).order_by(risk_areas.c.region_code))]
    return {
        "version": 1,
        "issued_at": get_state(conn, "bundle_changed_at", NEVER),
        "trust": trust,
        "roster": people,
        "risk_areas": areas,
        "policy": {"mode": get_state(conn, "mode", "normal")},
    }
