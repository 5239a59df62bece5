"""Crash test: a writer killed with SIGKILL at random moments never loses a reported record."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.store.db import open_store

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 50


def test_sigkill_at_random_moments_loses_no_committed_record(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    rng = random.Random(20261128)
    reported: dict[int, str] = {}
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(WRITER), str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        for line in out.splitlines():
            seq, uuid = line.split()
            reported[int(seq)] = uuid
        store = open_store(path)
        try:
            rows = dict(store.db.execute("select seq, uuid from journal").fetchall())
            missing = {s: u for s, u in reported.items() if rows.get(s) != u}
            assert not missing, f"records reported as committed are missing: {list(missing)[:5]}"
            assert store.check() == []
            # Every journal record has its outbox row and its projection row.
            assert store.db.execute(
                "select count(*) from journal j left join outbox o using (seq) where o.seq is null"
            ).fetchone()[0] == 0
            assert store.db.execute(
                "select count(*) from journal j left join temperature_readings t on t.record_uuid = j.uuid"
                " where t.record_uuid is null"
            ).fetchone()[0] == 0
        finally:
            store.close()
    assert len(reported) > KILLS, "the writer must have committed records between kills"
