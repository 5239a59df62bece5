"""The day's figures come from console_gate_entries (issue 13's benchmark: parsing every body per page
missed the targets): migration 0009 backfills it from records already held, alerts.refresh copies new
entries past its watermark, and catch_up works a backlog off before a report is frozen."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, select

from sync.server.console import alerts, figures
from sync.server.console.tables import console_state, gate_entries
from sync.server.console.web import TZ
from sync.server.db import alembic_config, make_engine, upgrade
from sync.server.records.tables import records
from tests.server.central import create_pg_database, drop_pg_database

DAY = date(2026, 11, 29)


def _record(device: str, seq: int, kind: str, body: dict[str, object], hour: int = 9) -> dict[str, object]:
    created = datetime(DAY.year, DAY.month, DAY.day, hour, 5, tzinfo=TZ).astimezone(UTC).isoformat(timespec="microseconds")
    return {"uuid": str(uuid.uuid4()), "device_id": device, "seq": seq, "kind": kind, "created_at": created, "body": json.dumps(body),
            "prev_hash": "0" * 64, "hash": f"{seq:064d}", "received_at": f"2026-11-29T0{seq % 10}:00:00.000+00:00", "batch_id": "b"}


HISTORY = [
    ("gate-a", "gate_entry", {"direction": "in", "outcome": "pass", "colour": "green"}, 9),
    ("gate-a", "gate_entry", {"direction": "in", "outcome": "pass", "colour": "green"}, 9),
    ("gate-a", "gate_entry", {"direction": "out", "outcome": "pass", "colour": "green"}, 18),
    ("gate-a", "temperature", {"value_c": 36.5}, 9),
    ("gate-b", "gate_entry", {"direction": "in", "outcome": "deny", "colour": "red"}, 10),
    ("gate-b", "gate_entry", {"direction": "in", "outcome": "review", "colour": "yellow"}, 11),
]


def _check_counts(engine: Engine) -> None:
    with engine.connect() as conn:
        days = figures.count_day(conn, ["gate-a", "gate-b"], DAY)
    a, b = days["gate-a"], days["gate-b"]
    assert (a.entries, a.exits, a.denied, a.review, a.red) == (2, 1, 0, 0, 0)
    assert a.hourly_in[9] == 2 and a.hourly_out[18] == 1
    assert (b.entries, b.denied, b.review, b.red) == (0, 1, 1, 1)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0007_backfills_entries_already_held(tmp_path: Path, backend: str) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}" if backend == "sqlite" else create_pg_database()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0008")
        with engine.begin() as conn:
            conn.execute(insert(records), [_record(d, i + 1, k, b, h) for i, (d, k, b, h) in enumerate(HISTORY)])
        upgrade(engine)
        with engine.connect() as conn:
            copied = conn.execute(select(gate_entries)).all()
        assert len(copied) == 5 and {r.colour for r in copied} == {"green", "red", "yellow"}
        _check_counts(engine)
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_pg_database(url)


def test_refresh_copies_new_entries_and_catch_up_reads_a_backlog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(records), [_record(d, i + 1, k, b, h) for i, (d, k, b, h) in enumerate(HISTORY)])
    monkeypatch.setattr(alerts, "SCAN_CHUNK", 2)
    alerts.refresh(engine)  # one chunk of two records
    with engine.connect() as conn:
        assert len(conn.execute(select(gate_entries)).all()) == 2
    assert alerts.catch_up(engine) == 3  # the rest of the entries (alerts are stored at arrival by their owner)
    with engine.connect() as conn:
        assert len(conn.execute(select(gate_entries)).all()) == 5
    _check_counts(engine)
    assert alerts.catch_up(engine) == 0  # a quiet pass adds nothing
    with engine.connect() as conn:  # the next poll starts LAG_S before now, not LAG_S before the newest record
        mark = conn.execute(select(console_state.c.value).where(console_state.c.key == alerts.WATERMARK)).scalar_one()
        newest = conn.execute(select(func.max(records.c.received_at))).scalar_one()
    assert mark > newest
    engine.dispose()
