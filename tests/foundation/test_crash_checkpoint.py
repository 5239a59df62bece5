"""A kill in the middle of a WAL checkpoint: the kiosk starts again and loses nothing.

Deterministic: the child fills the WAL, then starts a checkpoint with a file-size limit
(RLIMIT_FSIZE) so the kernel kills it (SIGXFSZ) at the first write that reaches a chosen
byte of the database file. The main file is then shorter than its header already says,
the missing pages still in the WAL (issue 18).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store.db import open_store
from kiosk.store.errors import StoreCorrupt

CHILD = Path(__file__).with_name("checkpoint_child.py")
KIOSK = [sys.executable, "-m", "kiosk.cli"]


def header_size(path: Path) -> int:
    head = path.read_bytes()[:32]
    page_size = struct.unpack(">H", head[16:18])[0]
    return page_size * struct.unpack(">I", head[28:32])[0]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db_check(path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_STORE_DATA_DIR"] = str(path.parent)
    return subprocess.run([*KIOSK, "db", "check", "--db", str(path)], capture_output=True, text=True, timeout=120, env=env)


def crash_mid_checkpoint(path: Path, fraction: float, torn: bool) -> dict[int, str]:
    """Records reported as committed by a child killed while its checkpoint copied pages."""
    child = subprocess.run(
        [sys.executable, str(CHILD), str(path), "300", str(fraction), "torn" if torn else "aligned"],
        capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == -signal.SIGXFSZ, (child.returncode, child.stdout[-300:], child.stderr[-2000:])
    lines = child.stdout.splitlines()
    assert lines[-1].startswith("checkpoint "), "killed before the checkpoint began"
    return {int(seq): uuid for seq, uuid in (line.split() for line in lines[:-1])}


@pytest.mark.parametrize(
    ("fraction", "torn"),
    [(0.0, False), (0.5, False), (0.5, True), (0.95, True)],
    ids=["first-new-page", "half-copied", "torn-page", "nearly-done"],
)
def test_kill_during_a_checkpoint_loses_nothing_and_the_kiosk_starts(tmp_path: Path, fraction: float, torn: bool) -> None:
    path = tmp_path / "kiosk.db"
    store = open_store(path)
    for n in range(50):  # records that were already in the main file before the crash
        store.append("test", {"n": n})
    earlier = dict(store.db.execute("select seq, uuid from journal").fetchall())
    store.close()

    reported = crash_mid_checkpoint(path, fraction, torn)
    wal = path.with_name("kiosk.db-wal")
    # The state the issue describes: the main file shorter than its header, the WAL holding the rest.
    assert path.stat().st_size < header_size(path) and wal.stat().st_size > 0
    assert len(reported) == 300
    copy = tmp_path / "copy" / "kiosk.db"
    copy.parent.mkdir()
    for name in ("kiosk.db", "kiosk.db-wal"):
        shutil.copy(tmp_path / name, copy.parent / name)

    store = open_store(path)
    try:
        rows = dict(store.db.execute("select seq, uuid from journal").fetchall())
        assert rows == {**earlier, **reported}, "every committed record, none more"
        assert store.check() == []
    finally:
        store.close()
    assert path.stat().st_size >= header_size(path) and not wal.exists()  # SQLite finished the copy

    proc = db_check(copy)  # the admin's check, straight on the state the crash left
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"ok ({len(earlier) + len(reported)} records" in proc.stdout


def test_a_short_file_whose_wal_lacks_the_pages_is_still_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    store = open_store(path)
    for n in range(300):
        store.append("test", {"n": n, "pad": "x" * 200})
    store.db.execute("pragma wal_checkpoint(truncate)")
    store.append("test", {"n": "last"})  # the WAL now holds only this commit's few pages
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("kiosk.db", "kiosk.db-wal"):
        shutil.copy(tmp_path / name, broken / name)  # a copy taken while the kiosk runs: WAL not yet copied back
    store.close()
    target = broken / "kiosk.db"
    with open(target, "r+b") as fh:
        fh.truncate(target.stat().st_size // 2)
    wal = broken / "kiosk.db-wal"
    assert wal.stat().st_size > 0 and target.stat().st_size < header_size(target)
    before = (sha(target), sha(wal))
    with pytest.raises(StoreCorrupt, match="truncated"):
        open_store(target)
    assert (sha(target), sha(wal)) == before
    proc = db_check(target)
    assert proc.returncode == 1 and "truncated" in proc.stderr, proc.stdout + proc.stderr
    assert (sha(target), sha(wal)) == before
