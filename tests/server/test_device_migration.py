"""Migration 0003 on a database with rows from 0002: clear secrets sealed at start, disabled devices
revoked, unused codes bound to a device id; the files made private."""

from __future__ import annotations

import stat
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select

from sync.server.context import ServerContext
from sync.server.db import alembic_config, make_engine
from sync.server.devices.device_secrets import unseal
from sync.server.devices.tables import devices, enroll_codes
from sync.server.settings import from_env


def test_rows_from_before_0003_are_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    with engine.begin() as conn:
        for dev, disabled in (("old-gate", False), ("lost-gate", True)):
            conn.execute(insert(devices).values(  # only columns 0002 has
                device_id=dev, label="", secret=f"clear-secret-{dev}", enrolled_at="2026-11-01T00:00:00+00:00",
                disabled=disabled, anchor_hash="0" * 64, verified_hash="0" * 64))
        conn.exec_driver_sql("insert into enroll_codes (code_hash, label, created_at, expires_at) values ('h1', '', 'x', '2099-01-01')")
    engine.dispose()

    ctx = ServerContext.open(from_env(env={}, data_dir=tmp_path, db=url))
    try:
        with ctx.engine.connect() as conn:
            rows = {r.device_id: r for r in conn.execute(select(devices))}
            code = conn.execute(select(enroll_codes)).one()
        assert unseal(ctx.device_key, rows["old-gate"].secret) == "clear-secret-old-gate"
        assert "clear-secret" not in rows["lost-gate"].secret
        assert rows["old-gate"].revoked_at is None and rows["lost-gate"].revoked_at is not None
        assert rows["old-gate"].journal_id is None and rows["old-gate"].community == "default"
        assert code.device_id and code.device_id.startswith("gate-")
        assert stat.S_IMODE((tmp_path / "central.db").stat().st_mode) == 0o600
        assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    finally:
        ctx.close()
