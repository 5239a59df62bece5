"""Migration 0011 on a database whose projection was filled before it (SQLite and PostgreSQL): every
person gets a number, every identified pass carries its person's number, a pass naming nobody none;
the next person (and gate) ingest sees gets the next number; down to 0010 and up again keeps the data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from sync.server.contacts.passes import project
from sync.server.contacts.tables import pass_gates, pass_people, passes
from sync.server.db import alembic_config, make_engine
from tests.server.central import create_pg_database, drop_pg_database

A, B, C = "aa" * 32, "bb" * 32, "cc" * 32
AT_MS = 1795136400000  # 2026-11-20T01:00:00Z


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    pg = create_pg_database() if request.param == "postgresql" else None
    eng = make_engine(pg or f"sqlite:///{tmp_path / 'central.db'}")
    yield eng
    eng.dispose()
    if pg:
        drop_pg_database(pg)


def _migrate(engine: Engine, target: str, down: bool = False) -> None:
    with engine.begin() as conn:
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_people_are_numbered_and_their_passes_carry_the_number(engine: Engine) -> None:
    _migrate(engine, "0010")
    with engine.begin() as conn:  # as 0008-0010 left it: people keyed by hash, passes by hash
        for h in (C, A, B):
            conn.execute(text("insert into pass_people (person_hash, id_masked) values (:h, :m)"), {"h": h, "m": h[:2] + "**"})
        for i, h in enumerate([A, B, None, C, A]):
            conn.execute(text("insert into passes (record_uuid, community, gate, at_ms, direction, person_hash)"
                              " values (:u, 'default', 'g1', :at, 'in', :h)"), {"u": f"u{i}", "at": AT_MS + i, "h": h})
    _migrate(engine, "head")

    def state() -> tuple[dict[str, int], list[tuple[str, int | None]]]:
        with engine.connect() as conn:
            people = {h: n for n, h in conn.execute(select(pass_people.c.person_no, pass_people.c.person_hash))}
            rows = conn.execute(select(passes.c.person_hash, passes.c.person_no).order_by(passes.c.record_uuid)).all()
        return people, [(h, n) for h, n in rows]

    people, rows = state()
    assert sorted(people.values()) == [1, 2, 3] and people[A] < people[B] < people[C]  # numbered in hash order
    assert rows == [(A, people[A]), (B, people[B]), (None, None), (C, people[C]), (A, people[A])]

    body = json.dumps({"direction": "out", "identity": {"hash": "dd" * 32, "sealed": None, "source": "roster"}})
    with engine.begin() as conn:  # ingest after the migration: a new person, the next number
        project(conn, "default", "g2", [("u9", "gate_entry", "2026-11-20T09:00:00+08:00", body)])
        assert conn.execute(select(passes.c.person_no).where(passes.c.record_uuid == "u9")).scalar() == 4
        assert dict(conn.execute(select(pass_gates.c.gate, pass_gates.c.gate_no)).all()) == {"g1": 1, "g2": 2}

    _migrate(engine, "0010", down=True)
    with engine.connect() as conn:
        assert "person_no" not in {c["name"] for c in inspect(conn).get_columns("passes")}
        assert not inspect(conn).has_table("pass_gates")
        assert conn.execute(text("select count(*) from pass_people")).scalar() == 4
        assert conn.execute(text("select person_hash from passes where record_uuid = 'u9'")).scalar() == "dd" * 32
    _migrate(engine, "head")
    people, rows = state()
    assert len(people) == 4 and rows[-1] == ("dd" * 32, people["dd" * 32]) and rows[2] == (None, None)
