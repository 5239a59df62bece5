"""The passes projection on both backends (PostgreSQL takes a batch as one JSON parameter): a person
keeps one number, a later pass fills what the first lacked but never overwrites it, a retried pass
adds nothing, and a body without an identity is kept as an anonymous pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from sync.server.contacts.passes import project
from sync.server.contacts.tables import pass_people, passes
from sync.server.context import ServerContext


def _entry(uuid_no: int, at: str, ident: dict[str, str] | None, direction: str = "in") -> tuple[str, str, str, str]:
    return (f"00000000-0000-7000-8000-{uuid_no:012d}", "gate_entry", at, json.dumps({"direction": direction, "identity": ident}))


def test_people_are_numbered_once_and_filled_in_never_overwritten(ctx: ServerContext) -> None:
    a = {"hash": "a" * 64, "source": "id-number", "id_masked": "110105********002X"}  # no name yet
    a_named = {**a, "name_masked": "张*", "name_sealed": "sealed-name", "id_masked": "999999********0000"}
    b = {"hash": "b" * 64, "source": "id-number", "id_masked": "110105********1234", "name_masked": "李*"}
    with ctx.engine.begin() as conn:
        assert project(conn, "east", "g1", [_entry(1, "2026-11-29T08:00:00+08:00", a), _entry(2, "2026-11-29T08:01:00+08:00", None, "out"),
                                            ("00000000-0000-7000-8000-000000000009", "alert", "2026-11-29T08:01:00+08:00", "{}")]) == 2
    with ctx.engine.begin() as conn:
        first = dict(conn.execute(select(pass_people.c.person_hash, pass_people.c.person_no)).all())
        assert project(conn, "east", "g1", [_entry(3, "2026-11-29T09:00:00+08:00", a_named), _entry(4, "2026-11-29T09:00:00+08:00", b)]) == 2
    with ctx.engine.begin() as conn:  # a pass projected again (it cannot be, ingest projects only new records): nothing changes
        assert project(conn, "east", "g1", [_entry(1, "2026-11-29T08:00:00+08:00", a)]) == 1
    with ctx.engine.connect() as conn:
        people = {r.person_hash: r for r in conn.execute(select(pass_people))}
        got = [(r.record_uuid[-1], r.gate, r.at_ms, r.direction, r.person_hash and r.person_hash[0], r.person_no)
               for r in conn.execute(select(passes).order_by(passes.c.record_uuid))]
    assert people["a" * 64].person_no == first["a" * 64] != people["b" * 64].person_no
    assert (people["a" * 64].id_masked, people["a" * 64].name_masked, people["a" * 64].name_sealed) == ("110105********002X", "张*", "sealed-name")
    assert people["b" * 64].name_masked == "李*"
    na, nb = people["a" * 64].person_no, people["b" * 64].person_no
    t0 = int(datetime(2026, 11, 29, tzinfo=UTC).timestamp() * 1000)  # 08:00 at +08:00
    assert got == [("1", "g1", t0, "in", "a", na), ("2", "g1", t0 + 60_000, "out", None, None),
                   ("3", "g1", t0 + 3_600_000, "in", "a", na), ("4", "g1", t0 + 3_600_000, "in", "b", nb)]


def test_a_decoded_body_projects_as_its_text(ctx: ServerContext) -> None:
    """Ingest hands the projection the bodies the fast parse already decoded: the rows are the ones the text gives."""
    ident = {"hash": "c" * 64, "sealed": "s" * 88, "source": "roster", "id_masked": "110105199001011234", "name_masked": "王五",
             "name_sealed": "n" * 401}  # an unmasked number and name are masked; a name_sealed over the limit is dropped
    bodies = [{"direction": "out", "identity": ident}, {"direction": "sideways", "identity": {"hash": "bad"}}, {"identity": 7}, {},
              {"direction": "in", "identity": {**ident, "hash": "d" * 64, "sealed": 5, "source": 9}}]

    def projected(decoded: bool, prefix: str) -> list[tuple[object, ...]]:
        recs = [(f"00000000-0000-7000-8000-{prefix}{n:011d}", "gate_entry", "2026-11-29T08:00:00+08:00", b if decoded else json.dumps(b))
                for n, b in enumerate(bodies)]
        with ctx.engine.begin() as conn:
            assert project(conn, "east", f"g-{prefix}", recs) == len(bodies)
        with ctx.engine.connect() as conn:
            rows = conn.execute(select(passes.c.at_ms, passes.c.direction, passes.c.person_hash, passes.c.source, pass_people.c.id_masked,
                                       pass_people.c.name_masked, pass_people.c.id_sealed, pass_people.c.name_sealed)
                                .select_from(passes.outerjoin(pass_people, pass_people.c.person_no == passes.c.person_no))
                                .where(passes.c.gate == f"g-{prefix}").order_by(passes.c.record_uuid)).all()
        return [tuple(r) for r in rows]

    as_text = projected(False, "1")
    assert as_text == projected(True, "2")
    assert as_text[0][2:] == ("c" * 64, "roster", "110***********1234", "王*", "s" * 88, None)
    assert [r[1] for r in as_text] == ["out", "?", "?", "?", "in"]
