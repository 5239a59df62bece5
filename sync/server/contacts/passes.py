"""The `passes` projection: every gate_entry record as (gate, time, direction, person hash and number).

Ingest calls `project` inside the batch's transaction for the records it newly stored, so a pass is
in the projection exactly when its record is held. A body the projection cannot read is still
stored as a record (ingest never refuses a record here); its pass is kept without an identity.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from sync.common.masking import mask_id, mask_name
from sync.server.contacts.tables import pass_gates, pass_people, passes
from sync.server.devices.tables import devices
from sync.server.identity import pass_identity
from sync.server.records.tables import records

GATE_KIND = "gate_entry"
BACKFILL_PAGE = 5000
_JSON = msgspec.json.Encoder().encode  # the PostgreSQL parameters below: several times json.dumps's speed
Body = str | dict[str, Any]  # a record's body as stored, or already decoded (sync.server.records.fastparse.Parsed)

# PostgreSQL: a batch's people and passes each go over as ONE json parameter (json_to_recordset), as the
# records do (sync.server.records.ingest.PG_INSERT): an executemany sent one statement per pass (profiled at 20
# kiosks: a third of the workers' time was in `project`, most of it sending those statements).
PG_PEOPLE = text(
    "insert into pass_people (person_hash, id_masked, name_masked, id_sealed, name_sealed) "
    "select t.person_hash, t.id_masked, t.name_masked, t.id_sealed, t.name_sealed "
    "from json_to_recordset(cast(:rows as json)) as t(person_hash text, id_masked text, name_masked text, id_sealed text, name_sealed text) "
    "order by t.person_hash "
    "on conflict (person_hash) do update set id_masked = coalesce(pass_people.id_masked, excluded.id_masked), "
    "name_masked = coalesce(pass_people.name_masked, excluded.name_masked), id_sealed = coalesce(pass_people.id_sealed, excluded.id_sealed), "
    "name_sealed = coalesce(pass_people.name_sealed, excluded.name_sealed) "
    "returning person_hash, person_no"
)
PG_PASSES = text(
    "insert into passes (record_uuid, community, gate, at_ms, direction, person_hash, source, person_no) "
    "select t.record_uuid, t.community, t.gate, t.at_ms, t.direction, t.person_hash, t.source, t.person_no "
    "from json_to_recordset(cast(:rows as json)) as t(record_uuid text, community text, gate text, at_ms bigint, direction text, "
    "person_hash text, source text, person_no integer) "
    "on conflict do nothing"
)


def at_ms(iso: str) -> int | None:
    """UTC epoch milliseconds of an ISO 8601 time with an offset; None for anything else."""
    try:
        at = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return int(at.astimezone(UTC).timestamp() * 1000)


def _decoded(body_text: str) -> dict[str, Any]:
    try:
        body = json.loads(body_text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _row(community: str, gate: str, uuid: str, created_at: str, body_in: Body) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    ms = at_ms(created_at)
    if ms is None:
        return None
    body = body_in if isinstance(body_in, dict) else _decoded(body_in)
    digest, sealed = pass_identity(body)
    ident = body.get("identity") if digest else None
    ident = ident if isinstance(ident, dict) else {}
    name_sealed, source = ident.get("name_sealed"), ident.get("source")
    direction = body.get("direction") if body.get("direction") in ("in", "out") else "?"
    row = {"record_uuid": uuid, "community": community, "gate": gate, "at_ms": ms, "direction": direction,
           "person_hash": digest, "source": source if isinstance(source, str) else None}
    who = None if digest is None else {
        "person_hash": digest, "id_sealed": sealed,
        "name_sealed": name_sealed if isinstance(name_sealed, str) and len(name_sealed) <= 400 else None,
        "id_masked": _masked(ident.get("id_masked"), mask_id), "name_masked": _masked(ident.get("name_masked"), mask_name),
    }
    return row, who


def _masked(value: Any, mask: Callable[[str], str]) -> str | None:
    """A masked form as sent, re-masked if it arrived unmasked (a faulty kiosk must not plant a clear number)."""
    if not isinstance(value, str) or not value:
        return None
    return (value if "*" in value else mask(value))[:40]


def project(conn: Connection, community: str, gate: str, recs: Iterable[tuple[str, str, str, Body]]) -> int:
    """(uuid, kind, created_at, body) of newly stored records, the body as stored or decoded; gate entries go into `passes`."""
    made = [r for uuid, kind, created, body in recs if kind == GATE_KIND and (r := _row(community, gate, uuid, created, body))]
    if not made:
        return 0
    pg = conn.dialect.name == "postgresql"
    dialect = postgresql if pg else sqlite
    people = {w["person_hash"]: w for _, w in made if w is not None}  # one row per person and statement
    numbers: dict[str, int] = {}
    if people and pg:  # first: a new person's number is the database's, and the passes carry it
        numbers = dict(conn.execute(PG_PEOPLE, {"rows": _JSON([people[h] for h in sorted(people)]).decode("utf-8")}).all())
    elif people:
        ins = dialect.insert(pass_people)
        fill = {c: func.coalesce(getattr(pass_people.c, c), getattr(ins.excluded, c))
                for c in ("id_masked", "name_masked", "id_sealed", "name_sealed")}
        conn.execute(ins.on_conflict_do_update(index_elements=[pass_people.c.person_hash], set_=fill), [people[h] for h in sorted(people)])
        numbers = dict(conn.execute(select(pass_people.c.person_hash, pass_people.c.person_no)
                                    .where(pass_people.c.person_hash.in_(sorted(people)))).all())
    conn.execute(dialect.insert(pass_gates).on_conflict_do_nothing(), [{"gate": gate}])
    rows = [{**row, "person_no": numbers.get(row["person_hash"]) if row["person_hash"] else None} for row, _ in made]
    if pg:
        conn.execute(PG_PASSES, {"rows": _JSON(rows).decode("utf-8")})
    else:
        conn.execute(dialect.insert(passes).on_conflict_do_nothing(), rows)
    return len(made)


def backfill(conn: Connection) -> int:
    """Project gate records already held (the migration that adds the table runs it)."""
    done, last = 0, ""
    while True:
        page = conn.execute(
            select(records.c.uuid, records.c.device_id, records.c.created_at, records.c.body, devices.c.community)
            .select_from(records.outerjoin(devices, devices.c.device_id == records.c.device_id))
            .where(records.c.kind == GATE_KIND, records.c.uuid > last).order_by(records.c.uuid).limit(BACKFILL_PAGE)
        ).all()
        for r in page:
            done += project(conn, r.community or "default", r.device_id, [(r.uuid, GATE_KIND, r.created_at, r.body)])
        if len(page) < BACKFILL_PAGE:
            return done
        last = page[-1].uuid
