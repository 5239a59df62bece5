"""Migration 0005 on a database with gate records from before it: every gate_entry is projected into
`passes` (older records name nobody: kept as unidentified passes), other kinds are not; down and up again."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, select, text

from sync.server.contacts.tables import passes
from sync.server.context import ServerContext
from sync.server.db import alembic_config, make_engine
from sync.server.settings import from_env

HASH = "ab" * 32
AT_MS = 1795136400000  # 2026-11-20T01:00:00Z


def test_gate_records_held_before_the_contacts_migration_are_projected(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        conn.exec_driver_sql(
            "insert into devices (device_id, label, secret, enrolled_at, disabled, anchor_hash, verified_hash, community)"
            " values ('gate-1', '', 'x', '2026-11-01T00:00:00+00:00', 0, :z, :z, 'east')", {"z": "0" * 64})
        rows = [("u1", 1, "gate_entry", {"direction": "in"}), ("u2", 2, "temperature", {"value_c": 36.5}),
                ("u3", 3, "gate_entry", {"direction": "out", "identity": {"hash": HASH, "sealed": None, "source": "roster"}})]
        for uid, seq, kind, body in rows:
            conn.execute(text(
                "insert into records (uuid, device_id, seq, kind, created_at, body, prev_hash, hash, received_at, batch_id)"
                " values (:u, 'gate-1', :s, :k, '2026-11-20T09:00:00.000000+08:00', :b, :z, :z, 'x', 'b')"),
                {"u": uid, "s": seq, "k": kind, "b": json.dumps(body), "z": "0" * 64})
    engine.dispose()

    ctx = ServerContext.open(from_env(env={}, data_dir=tmp_path, db=url))
    try:
        with ctx.engine.connect() as conn:
            got = [tuple(r) for r in conn.execute(select(passes.c.record_uuid, passes.c.community, passes.c.gate, passes.c.at_ms,
                                                         passes.c.direction, passes.c.person_hash).order_by(passes.c.record_uuid))]
        assert got == [("u1", "east", "gate-1", AT_MS, "in", None), ("u3", "east", "gate-1", AT_MS, "out", HASH)]
        with ctx.engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
            assert not inspect(conn).has_table("passes")
            command.upgrade(cfg, "head")
            assert conn.execute(select(passes.c.record_uuid)).scalars().all() == ["u1", "u3"]
    finally:
        ctx.close()
