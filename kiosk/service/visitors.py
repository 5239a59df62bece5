"""Visitor registration: the notice's form, validated per field, saved and recorded at once."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk.domain.masking import mask_id, mask_name, mask_phone, mask_text
from kiosk.domain.report import local_day
from kiosk.service.common import InvalidInput
from kiosk.service.people import PersonView, VisitorForm, get_person, risk_level_for, save_person, validate_visitor
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from sync.protocol.clock import Clock, utc_iso

__all__ = ["Visitor", "VisitorForm", "register_visitor"]


@dataclass(frozen=True)
class Visitor:
    person: PersonView
    record_uuid: str
    risk_level: str | None  # level of a listed risk area the stated origin falls in
    origin_name: str


def register_visitor(store: Store, vault: Vault, form: VisitorForm, clock: Clock, tz: str, guard: str = "") -> Visitor:
    """Validate every field (all errors at once), then save the visitor and the record."""
    now = clock()
    clean, errors = validate_visitor(form, local_day(now, tz))
    if errors:
        raise InvalidInput(errors)
    at = utc_iso(now)
    risk = risk_level_for(store.db, clean["origin_region"])
    with store.writing() as w:
        uid, _ = save_person(
            w.db, vault, kind="visitor", name=clean["name"], now=at, id_type=clean["id_type"],
            id_number=clean["id_number"], phone=clean["phone"], building=clean["host_building"],
            unit=clean["host_unit"], room=clean["host_room"], origin_region=clean["origin_region"],
            key_groups=form.key_groups,
        )
        body = {
            "person_uuid": uid, "name_masked": mask_name(clean["name"]), "id_type": clean["id_type"],
            "id_masked": mask_id(clean["id_number"]), "phone_masked": mask_phone(clean["phone"]),
            "origin_region": clean["origin_region"], "origin_name": clean["origin_name"], "risk_level": risk,
            "reason": mask_text(clean["reason"]), "host": [clean["host_building"], clean["host_unit"], clean["host_room"]],
            "key_groups": sorted(form.key_groups), "guard": guard,
        }
        rec = w.append("visitor", body, created_at=at)
        w.db.execute(
            "insert into visitor_registrations (record_uuid, person_uuid, created_at, reason, host_building, host_unit,"
            " host_room, origin_region, origin_name, risk_level, key_groups) values (?,?,?,?,?,?,?,?,?,?,?)",
            [rec.uuid, uid, at, clean["reason"], clean["host_building"], clean["host_unit"], clean["host_room"],
             clean["origin_region"], clean["origin_name"], risk, json.dumps(sorted(form.key_groups))],
        )
    person = get_person(store.db, uid)
    assert person is not None
    return Visitor(person, rec.uuid, risk, clean["origin_name"])
