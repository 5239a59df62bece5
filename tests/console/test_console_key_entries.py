"""Key persons from console_key_entries equal monitoring.monitored_on's reading of the record bodies
(issue 13: the counts and the key-persons page parsed 14 days of bodies per page). Same data, every day
of a month, two communities, several monitoring periods and time zones: the projection filled by
migration 0012's backfill (SQLite and PostgreSQL) and by alerts.refresh/catch_up as records arrive."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, select

from sync.server.alerts import monitoring
from sync.server.alerts.tables import home_isolation
from sync.server.console import alerts, key_entries
from sync.server.console.tables import device_communities
from sync.server.console.tables import key_entries as key_table
from sync.server.db import alembic_config, make_engine, upgrade
from sync.server.devices.tables import devices
from sync.server.records.tables import records

START = date(2026, 11, 1)
DAYS = 30
GATES = {"gate-a": "c1", "gate-b": "c1", "gate-c": "c2"}
GROUPS = ["inbound", "cold-chain", "released-or-recovered", "risk-area-14d", "home-isolation", "unknown-flag"]
PERIODS = [{}, {"cold-chain": 7, "inbound": 21, "released": 3}]


def _body(rng: random.Random, persons: list[str]) -> tuple[str, object]:
    """A record of a random kind and shape, as kiosks send them (and a few they should not)."""
    person = rng.choice(persons)
    roll = rng.random()
    if roll < 0.1:
        return "visitor", {"person_uuid": person, "name_masked": rng.choice(["张*", "李*", ""]), "id_masked": f"1101**{person[-4:]}"}
    if roll < 0.12:
        return "gate_entry", rng.choice([[], "not an object", {"direction": "in", "key_groups": ["inbound"]}])  # no person
    readings = [{"value_c": round(rng.uniform(34.0, 39.0), 1), "classification": rng.choice(["normal", "fever", "too-low", "bad"])}
                for _ in range(rng.choice([0, 0, 1, 2]))]
    return "gate_entry", {
        "person_uuid": person if rng.random() < 0.95 else None, "direction": rng.choice(["in", "in", "out"]),
        "key_groups": rng.sample(GROUPS, rng.choice([0, 0, 0, 1, 2])), "risk_level": rng.choice([None, None, "low", "medium", "high"]),
        "id_masked": rng.choice([f"3601**{person[-4:]}", None]), "outcome": "pass", "colour": "green",
        "temperature": {"verdict": rng.choice(["normal", "normal", "fever-confirmed", "not-measured"]), "readings": readings},
    }


def _history(seed: int = 7) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    rng = random.Random(seed)
    persons = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(40)]
    out = []
    for seq in range(1, 1500):
        at = datetime(2026, 10, 25, tzinfo=UTC) + timedelta(minutes=rng.randrange(40 * 24 * 60))
        if seq % 50 == 0:
            at = datetime.fromisoformat(str(out[-1]["created_at"]))  # same instant as the record before: ties keep their order
        kind, body = _body(rng, persons)
        out.append({"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "device_id": rng.choice(list(GATES)), "seq": seq, "kind": kind,
                    "created_at": at.isoformat(timespec="microseconds"), "body": body if seq % 97 else "{not json",
                    "prev_hash": "0" * 64, "hash": f"{seq:064d}", "received_at": f"2026-12-01T00:{seq // 60 % 60:02d}:{seq % 60:02d}.000+00:00",
                    "batch_id": "b"})
    for r in out:
        r["body"] = r["body"] if isinstance(r["body"], str) else json.dumps(r["body"], ensure_ascii=False)
    isolations = [
        {"community": "c1", "roster_uuid": persons[0], "name": "王隔离", "start_date": "2026-11-05", "end_date": "2026-11-18"},
        {"community": "c1", "roster_uuid": "", "name": "赵隔离", "start_date": "2026-11-10", "end_date": "2026-11-24"},
        {"community": "c2", "roster_uuid": persons[1], "name": "钱隔离", "start_date": "2026-11-01", "end_date": "2026-11-30"},
        {"community": "c1", "roster_uuid": persons[2], "name": "孙隔离", "start_date": "2026-11-01", "end_date": "2026-11-30",
         "ended_at": "2026-11-03T02:00:00+00:00"},
    ]
    return out, [{"reason": "密接", "placed_by": "admin", "placed_at": "2026-11-01T00:00:00+00:00"} | i for i in isolations]


def _setup(engine: Engine, with_records: bool = True) -> None:
    recs, isolations = _history()
    with engine.begin() as conn:
        conn.execute(insert(devices), [{"device_id": d, "secret": "x", "enrolled_at": "2026-10-01T00:00:00+00:00", "anchor_hash": "0" * 64,
                                        "verified_hash": "0" * 64} for d in GATES])
        conn.execute(insert(home_isolation), isolations)
        if with_records:
            conn.execute(insert(records), recs)


def _assert_same(engine: Engine) -> None:
    checked = monitored = with_readings = 0
    with engine.connect() as conn:
        for periods in PERIODS:
            for tz in ("Asia/Shanghai", "America/New_York"):
                for community in ("c1", "c2"):
                    for day in (START + timedelta(days=i) for i in range(DAYS)):
                        want = [m.public() for m in monitoring.monitored_on(conn, community, day, tz, periods)]
                        got = [m.public() for m in key_entries.monitored(conn, community, day, tz, periods)]
                        assert got == want, (community, day, tz, periods)
                        counted = key_entries.category_counts(conn, community, day, tz, periods)
                        assert counted == Counter(c for p in want for c in p["categories"]), (community, day, tz, periods)
                        checked += 1
                        monitored += len(want)
                        with_readings += sum(1 for p in want if p["readings"])
    assert checked == len(PERIODS) * 2 * 2 * DAYS
    assert monitored > 1000 and with_readings > 100, (monitored, with_readings)  # the data exercises what is compared


def test_migration_0012_backfills_the_key_entries_of_records_already_held(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(db_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0011")
        _setup(engine)
        with engine.begin() as conn:
            conn.execute(insert(device_communities), [{"device_id": d, "community_id": c} for d, c in GATES.items()])
        upgrade(engine)
        with engine.connect() as conn:
            roles = dict(conn.execute(select(key_table.c.role, func.count()).group_by(key_table.c.role)).all())
        assert set(roles) == {"arrival", "entry", "visitor"}, roles
        _assert_same(engine)
    finally:
        engine.dispose()


def test_refresh_fills_key_entries_as_records_arrive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    upgrade(engine)
    _setup(engine)
    with engine.begin() as conn:
        conn.execute(insert(device_communities), [{"device_id": d, "community_id": c} for d, c in GATES.items()])
    monkeypatch.setattr(alerts, "SCAN_CHUNK", 97)  # chunks mix gate entries and visitor registrations
    with engine.connect() as conn:
        assert key_entries.monitored(conn, "c1", START + timedelta(days=12), "Asia/Shanghai", {}) != \
            monitoring.monitored_on(conn, "c1", START + timedelta(days=12), "Asia/Shanghai", {})  # nothing copied yet
    alerts.catch_up(engine)
    with engine.connect() as conn:
        copied = conn.execute(select(func.count()).select_from(key_table)).scalar_one()
    _assert_same(engine)
    assert alerts.catch_up(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(key_table)).scalar_one() == copied  # a re-read copies nothing twice
    engine.dispose()
