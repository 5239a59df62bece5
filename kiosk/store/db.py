"""Opening the kiosk database safely, and the single writer that appends chained records.

Opening never damages a file it does not understand: a corrupt, truncated or unreadable
database is refused with a clear message and left byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import struct
import threading
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uuid6
from sqlite_utils import Database
from sync.protocol.chain import GENESIS_HASH, ChainProblem, Record, canonical_json, record_hash, verify_chain
from sync.protocol.clock import utc_iso

from kiosk.store.errors import StoreCorrupt, StoreError, StoreFull, StoreLocked
from kiosk.store.migrations import migrate
from kiosk.store.outbox_state import OutboxState

SQLITE_MAGIC = b"SQLite format 3\x00"


def _inspect_file(path: Path) -> None:
    """Refuse, without writing, a file that is not a healthy SQLite database."""
    if not path.exists():
        return
    if not path.is_file():
        raise StoreError(f"cannot open the database {path}: it is not a file (left untouched)")
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"cannot open the database {path}: permission denied (the file was left untouched)")
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        raise StoreCorrupt(f"{path} is not a SQLite database (bad header); the kiosk will not start and the file was left untouched")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    short = change_counter == valid_for and page_count and size < page_size * page_count
    wal = path.with_name(path.name + "-wal")
    # A power cut during a checkpoint leaves the main file shorter than its (already copied)
    # header says while the WAL still holds the missing pages: SQLite reads them from there
    # and finishes the copy later. Only when no WAL can explain it is the file truncated.
    if short and not (wal.is_file() and wal.stat().st_size > 0):
        raise StoreCorrupt(
            f"{path} is truncated ({size} bytes, the header says {page_size * page_count}); "
            "the kiosk will not start and the file was left untouched"
        )
    try:
        ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ro.execute("pragma schema_version").fetchone()
            ro.execute("select count(*) from sqlite_master").fetchone()
            # Read-only, so nothing is written: every page, each from the WAL where it is newer.
            problems = [r[0] for r in ro.execute("pragma quick_check").fetchall()] if short else ["ok"]
        finally:
            ro.close()
    except sqlite3.DatabaseError as exc:
        if not short:
            raise StoreCorrupt(f"{path} cannot be read ({exc}); the kiosk will not start and the file was left untouched") from None
        problems = [str(exc)]
    if problems != ["ok"]:
        raise StoreCorrupt(
            f"{path} is truncated ({size} bytes, the header says {page_size * page_count}) and its WAL "
            f"does not hold the missing pages ({problems[0]}); the kiosk will not start and the file was left untouched"
        )


def _translate(exc: sqlite3.Error) -> StoreError:
    text = str(exc)
    if "full" in text.lower():
        return StoreFull(f"the disk is full: the record was NOT saved ({text}); free space and try again")
    if "locked" in text.lower() or "busy" in text.lower():
        return StoreLocked(f"the database is busy: the record was NOT saved ({text})")
    return StoreError(f"database error: the record was NOT saved ({text})")


class Writer:
    """Appends records inside one open transaction (see Store.writing)."""

    def __init__(self, db: Database, device_id: str) -> None:
        self.db = db
        self.device_id = device_id

    def append(self, kind: str, data: dict[str, Any], created_at: str | None = None) -> Record:
        row = self.db.execute("select last_seq, last_hash from device_state where id = 1").fetchone()
        seq, prev = row[0] + 1, row[1]
        uid = str(uuid6.uuid7())
        created_at = created_at or utc_iso()
        body = canonical_json(data)
        digest = record_hash(self.device_id, seq, uid, kind, created_at, body, prev)
        self.db.execute(
            "insert into journal (seq, uuid, kind, created_at, body, prev_hash, hash) values (?,?,?,?,?,?,?)",
            [seq, uid, kind, created_at, body, prev, digest],
        )
        self.db.execute("insert into outbox (seq, state) values (?, ?)", [seq, OutboxState.PENDING])
        self.db.execute("update device_state set last_seq = ?, last_hash = ? where id = 1", [seq, digest])
        return Record(seq, uid, kind, created_at, body, prev, digest)


class Store:
    """The kiosk database. One process, one writer thread at a time (a lock serialises)."""

    def __init__(self, db: Database, path: Path, lock_fh: Any) -> None:
        self.db = db
        self.path = path
        self._lock_fh = lock_fh
        self._write_lock = threading.RLock()
        self.migrated: list[str] = []
        self.device_id: str = db.execute("select device_id from device_state where id = 1").fetchone()[0]

    @contextlib.contextmanager
    def writing(self) -> Iterator[Writer]:
        """One atomic step: everything written inside commits together or not at all."""
        with self._write_lock:
            try:
                with self.db.atomic():
                    yield Writer(self.db, self.device_id)
            except sqlite3.Error as exc:
                raise _translate(exc) from exc

    def append(self, kind: str, data: dict[str, Any]) -> Record:
        with self.writing() as w:
            return w.append(kind, data)

    def check(self) -> list[str]:
        """SQLite integrity check plus the sequence and hash chain; problems, first first."""
        problems = [r[0] for r in self.db.execute("pragma integrity_check").fetchall() if r[0] != "ok"]
        if problems:
            return problems
        return [str(p) for p in [self.chain_problem()] if p is not None]

    def chain_problem(self) -> ChainProblem | None:
        state = self.db.execute("select last_seq, last_hash, anchor_seq, anchor_hash from device_state").fetchone()
        rows = self.db.execute(
            "select seq, uuid, kind, created_at, body, prev_hash, hash from journal order by seq"
        )
        last_seq, last_hash, problem = verify_chain(self.device_id, rows, state[2], state[3])
        if problem is None and (last_seq, last_hash) != (state[0], state[1]):
            problem = ChainProblem(
                state[0], "-", f"the chain ends at seq {last_seq} but the device has written up to seq {state[0]} (records missing at the end)"
            )
        return problem

    def close(self) -> None:
        self.db.close()
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None


def _acquire_lock(path: Path) -> Any:
    lock_path = path.with_name(path.name + ".lock")
    fh = os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600), "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise StoreLocked(
            f"another kiosk process (pid {holder}) is already using {path}; only one may run on a database"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def _private_folder(path: Path) -> None:
    """The data folder 0700 and a new database file 0600: personal data at rest is readable
    only by the kiosk's account. SQLite gives -wal and -shm the mode of the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    if not path.exists() and not path.is_symlink():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _private_files(path: Path) -> None:
    """A healthy database left readable by others (an older kiosk) is tightened to 0600."""
    for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal", ".lock"))):
        if p.is_file() and p.stat().st_mode & 0o077:
            os.chmod(p, 0o600)


def connect(path: Path, busy_timeout_ms: int = 5000) -> Database:
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=busy_timeout_ms / 1000)
    db = Database(conn, execute_plugins=False)
    db.execute(f"pragma busy_timeout = {int(busy_timeout_ms)}")
    db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = full")
    db.execute("pragma foreign_keys = on")
    return db


def open_store(path: str | Path, *, busy_timeout_ms: int = 5000, lock: bool = True, upgrade: bool = True) -> Store:
    """Open (creating if absent) the database: inspect, lock, migrate, and check identity."""
    path = Path(path)
    _private_folder(path)
    _inspect_file(path)
    _private_files(path)
    lock_fh = _acquire_lock(path) if lock else None
    db: Database | None = None
    try:
        db = connect(path, busy_timeout_ms)
        migrated = migrate(db) if upgrade else []
        with db.atomic():
            if db.execute("select count(*) from device_state").fetchone()[0] == 0:
                db.execute(
                    "insert into device_state (id, device_id, last_seq, last_hash, anchor_seq, anchor_hash) "
                    "values (1, ?, 0, ?, 0, ?)",
                    [str(uuidlib.uuid4()), GENESIS_HASH, GENESIS_HASH],
                )
        store = Store(db, path, lock_fh)
        store.migrated = migrated
        return store
    except BaseException as exc:
        if db is not None:
            db.close()
        if lock_fh is not None:
            lock_fh.close()
        if isinstance(exc, sqlite3.Error):
            raise _translate(exc) from exc
        raise
