"""The local store: pragmas, migrations in place, the hash chain, faults that lose nothing."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store.db import connect, open_store
from kiosk.store.errors import StoreCorrupt, StoreError, StoreFull, StoreLocked, StoreTooNew
from kiosk.store.migrations import MOVED_MARKER, NAMES, STEPS, applied, execute_script
from kiosk.store.schema import INITIAL

KIOSK = [sys.executable, "-m", "kiosk.cli"]


def kiosk(*args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("KIOSK_CONFIG", None)
    if data is not None:
        env["KIOSK_STORE_DATA_DIR"] = str(data)
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=120, env=env)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pragmas_for_durability(store) -> None:  # type: ignore[no-untyped-def]
    db = store.db
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert db.execute("pragma busy_timeout").fetchone()[0] == 5000


def test_records_are_chained_gap_free_with_uuid7_and_an_outbox_row(store) -> None:  # type: ignore[no-untyped-def]
    recs = [store.append("test", {"n": i, "name": "王小明·阿依"}) for i in range(20)]
    assert [r.seq for r in recs] == list(range(1, 21))
    assert recs[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(recs, recs[1:], strict=False))
    assert all(r.uuid[14] == "7" for r in recs), "UUIDv7"
    assert len({r.uuid for r in recs}) == 20
    outbox = store.db.execute("select seq, state from outbox order by seq").fetchall()
    assert outbox == [(i, "pending") for i in range(1, 21)]
    assert store.check() == []


def test_a_failed_step_leaves_nothing_behind(store) -> None:  # type: ignore[no-untyped-def]
    store.append("test", {"n": 1})
    with pytest.raises(RuntimeError), store.writing() as w:
        w.append("test", {"n": 2})
        raise RuntimeError("the projection failed")
    assert store.db.execute("select count(*) from journal").fetchone()[0] == 1
    assert store.db.execute("select count(*) from outbox").fetchone()[0] == 1
    assert store.append("test", {"n": 3}).seq == 2, "no gap after a rolled-back step"
    assert store.check() == []


def _tamper(path: Path, sql: str, args: list[object]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("pragma foreign_keys = off")
    conn.execute(sql, args)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("sql", "args", "expect"),
    [
        ("update journal set body = ? where seq = 7", ['{"n":999}'], "seq=7 .* hash mismatch"),
        ("update journal set created_at = ? where seq = 7", ["2026-01-01T00:00:00.000000+00:00"], "seq=7 .* hash mismatch"),
        ("update journal set kind = ? where seq = 7", ["override"], "seq=7 .* hash mismatch"),
        ("update journal set uuid = ? where seq = 7", ["01938f2a-7b3c-7d4e-8f5a-6b7c8d9e0f1a"], "seq=7 .* hash mismatch"),
        ("delete from journal where seq = 7", [], "seq=8 .* sequence gap: expected seq 7"),
        ("delete from journal where seq = 12", [], "seq=12 .*records missing at the end"),
        ("update journal set prev_hash = ? where seq = 5", ["ab" * 32], "seq=5 .* previous-hash link broken"),
    ],
)
def test_db_check_names_the_first_bad_record(tmp_path: Path, sql: str, args: list[object], expect: str) -> None:
    data = tmp_path / "data"
    s = open_store(data / "kiosk.db")
    for i in range(12):
        s.append("test", {"n": i})
    s.close()
    ok = kiosk("db", "check", data=data)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "12 records" in ok.stdout
    _tamper(data / "kiosk.db", sql, args)
    bad = kiosk("db", "check", data=data)
    assert bad.returncode == 1
    import re

    assert re.search(expect, bad.stdout), bad.stdout


def test_an_older_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    # Build a database as version 0001 left it, with a record in it.
    db = connect(path)
    with db.atomic():
        db.execute("create table schema_migrations (name text primary key, applied_at text not null)")
        execute_script(db, INITIAL)
        db.execute("insert into schema_migrations values ('0001_initial', '2026-01-01T00:00:00+00:00')")
    db.close()
    s = open_store(path)
    rec = s.append("test", {"n": 1})
    s.close()
    inode = path.stat().st_ino
    proc = kiosk("db", "migrate", data=tmp_path) if path.name == "kiosk.db" else None
    assert proc is not None and proc.returncode == 0, proc.stdout + proc.stderr if proc else ""
    assert path.stat().st_ino == inode, "upgraded in place, never recreated"
    s = open_store(path)
    assert applied(s.db) == list(NAMES)
    assert s.db.execute("select uuid from journal").fetchall() == [(rec.uuid,)]
    assert s.check() == []
    s.close()


def _old_runner_database(path: Path) -> None:
    """A database as the hand-written runner (before sqlite-utils' Migrations) left it: every
    migration applied, the names in `schema_migrations`, no `_sqlite_migrations`."""
    db = connect(path)
    with db.atomic():
        db.execute("create table schema_migrations (name text primary key, applied_at text not null)")
        for name, fn in STEPS:
            fn(db)
            db.execute("insert into schema_migrations values (?, '2026-01-01T00:00:00+00:00')", [name])
    db.close()


def test_a_database_from_the_old_runner_opens_at_its_version(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    _old_runner_database(path)
    s = open_store(path)
    try:
        assert s.migrated == [], "recognised as up to date: nothing re-run"
        assert applied(s.db) == list(NAMES)
        moved = s.db.execute("select name from _sqlite_migrations where migration_set = 'kiosk' order by id")
        assert [r[0] for r in moved] == list(NAMES)
        # The old table keeps one name no older kiosk knows, so an older kiosk refuses this file.
        assert s.db.execute("select name from schema_migrations").fetchall() == [(MOVED_MARKER,)]
        assert MOVED_MARKER not in NAMES
        s.append("test", {"n": 1})
        assert s.check() == []
    finally:
        s.close()
    s = open_store(path)
    assert s.migrated == [] and applied(s.db) == list(NAMES)
    s.close()


def test_a_new_database_carries_the_marker_for_older_kiosks(tmp_path: Path) -> None:
    s = open_store(tmp_path / "kiosk.db")
    assert s.migrated == list(NAMES)
    assert s.db.execute("select name from schema_migrations").fetchall() == [(MOVED_MARKER,)]
    s.close()


def test_a_database_from_a_newer_kiosk_is_refused(tmp_path: Path) -> None:
    s = open_store(tmp_path / "kiosk.db")
    s.db.execute("insert into _sqlite_migrations (migration_set, name, applied_at) values ('kiosk', '9999_future', 'x')")
    s.db.conn.commit()
    s.close()
    with pytest.raises(StoreTooNew, match="newer kiosk version"):
        open_store(tmp_path / "kiosk.db")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database at all" * 10, "not a SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 84, "cannot be read|truncated"),
    ],
)
def test_a_corrupt_database_is_refused_and_left_untouched(tmp_path: Path, content: bytes, message: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "kiosk.db"
    path.write_bytes(content)
    before = sha(path)
    with pytest.raises(StoreCorrupt, match=message):
        open_store(path)
    proc = kiosk("db", "migrate", data=data)
    assert proc.returncode == 1 and "left untouched" in proc.stderr
    assert sha(path) == before
    assert sorted(p.name for p in data.iterdir()) == ["kiosk.db"], "nothing created beside it"


def test_a_truncated_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    s = open_store(path)
    for i in range(300):
        s.append("test", {"n": i, "pad": "x" * 200})
    s.db.execute("pragma wal_checkpoint(truncate)")
    s.close()
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    before = sha(path)
    with pytest.raises(StoreCorrupt, match="truncated"):
        open_store(path)
    assert sha(path) == before


def test_an_unreadable_database_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    path.mkdir()
    with pytest.raises(StoreError, match="not a file"):
        open_store(path)


def test_a_full_disk_raises_a_clear_error_and_leaves_nothing_half_written(store) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        store.append("test", {"n": i})
    pages = store.db.execute("pragma page_count").fetchone()[0]
    # SQLite reports SQLITE_FULL exactly as for a full disk once the file may not grow.
    store.db.execute(f"pragma max_page_count = {pages}")
    with pytest.raises(StoreFull, match="disk is full: the record was NOT saved"):
        for i in range(1000):
            store.append("test", {"n": i, "pad": "y" * 4000})
    counts = [
        store.db.execute("select count(*) from journal").fetchone()[0],
        store.db.execute("select count(*) from outbox").fetchone()[0],
    ]
    assert counts[0] == counts[1]
    last = store.db.execute("select last_seq from device_state").fetchone()[0]
    assert last == counts[0]
    assert store.check() == []
    store.db.execute("pragma max_page_count = 1073741823")
    assert store.append("test", {"n": "after"}).seq == last + 1


def test_a_second_kiosk_process_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    s = open_store(data / "kiosk.db")
    try:
        with pytest.raises(StoreLocked, match="another kiosk process"):
            open_store(data / "kiosk.db")
        proc = kiosk("db", "migrate", data=data)
        assert proc.returncode == 1
        assert f"another kiosk process (pid {os.getpid()})" in proc.stderr
    finally:
        s.close()
    assert kiosk("db", "migrate", data=data).returncode == 0


def test_db_check_reports_a_missing_database(tmp_path: Path) -> None:
    proc = kiosk("db", "check", data=tmp_path / "none")
    assert proc.returncode == 1 and "no database" in proc.stdout


def test_body_is_canonical_json(store) -> None:  # type: ignore[no-untyped-def]
    rec = store.append("test", {"b": 1, "a": "<script>'; drop table journal;--"})
    assert rec.body == json.dumps({"a": "<script>'; drop table journal;--", "b": 1}, separators=(",", ":"))
    assert rec.data["a"].startswith("<script>")
