"""The tables each concern declares (sync/server/<concern>/tables.py) are the schema the migrations make.

sync/server/tables.py gathers every concern's tables into the one MetaData (sync.server.db.metadata).
Read in a fresh interpreter that imports that module alone (as Alembic's env does), the MetaData
must hold exactly the migrated tables, columns and indexes: a concern's tables module it does not
import, or a table declared but never migrated, fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from sync.server.db import make_engine, upgrade

REPO = Path(__file__).resolve().parents[2]
DECLARED = """
import json
from sync.server.tables import metadata
print(json.dumps({name: {"columns": sorted(t.columns.keys()), "indexes": sorted(i.name for i in t.indexes)}
                  for name, t in metadata.tables.items()}))
"""


def test_the_declared_tables_are_the_migrated_schema(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", DECLARED], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    declared = json.loads(proc.stdout)
    engine = make_engine(f"sqlite:///{tmp_path / 'central.db'}")
    try:
        upgrade(engine)
        found = inspect(engine)
        migrated = {
            name: {"columns": sorted(c["name"] for c in found.get_columns(name)),
                   "indexes": sorted(str(i["name"]) for i in found.get_indexes(name))}
            for name in found.get_table_names() if name != "alembic_version"
        }
    finally:
        engine.dispose()
    assert declared == migrated
