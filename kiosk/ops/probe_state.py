"""`kiosk doctor`'s probes of the kiosk's state: disk, database, bundle, uploads, trust list, server.

The database is read through a read-only connection: doctor runs beside a running kiosk
(which holds the writer lock) and never writes its store, nor creates one.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.ops.facts import BundleFacts, DatabaseFacts, DiskFacts, ServerFacts, SignerCert, TrustFacts, UploadFacts
from kiosk.store.outbox_state import WAITING
from sync.upload_state import upload_state


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

def gather_disk(data_dir: Path) -> DiskFacts:
    path = data_dir
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return DiskFacts(str(data_dir), usage.free, usage.total)


def _read_only(db_path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
    conn.execute(f"pragma busy_timeout = {int(busy_timeout_ms)}")
    return conn


def light_db_problem(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """(records, problem): quick_check, schema version, and the sequence's ends — not the whole chain."""
    from sqlite_utils import Database

    from kiosk.store.migrations import pending

    bad = [r[0] for r in conn.execute("pragma quick_check").fetchall() if r[0] != "ok"]
    if bad:
        return 0, f"quick_check: {bad[0]}"
    try:
        todo = pending(Database(conn))
    except Exception as exc:  # noqa: BLE001 — StoreTooNew: a newer kiosk wrote it
        return 0, str(exc)
    if todo:
        return 0, f"schema not yet upgraded ({len(todo)} migration(s) pending): start the kiosk or run `kiosk db migrate`"
    last_seq, last_hash, anchor = conn.execute("select last_seq, last_hash, anchor_seq from device_state").fetchone()
    count, top = conn.execute("select count(*), max(seq) from journal").fetchone()
    if (top or anchor) != last_seq:
        return count, f"the journal ends at seq {top} but the device has written up to {last_seq}"
    if last_seq and conn.execute("select hash from journal where seq = ?", [last_seq]).fetchone()[0] != last_hash:
        return count, f"the last record's hash differs from the device state (seq {last_seq})"
    if count != last_seq - anchor:
        return count, f"{last_seq - anchor - count} record(s) missing between seq {anchor + 1} and {last_seq}"
    return count, None


def gather_store(cfg: Any) -> tuple[DatabaseFacts, BundleFacts, UploadFacts]:
    db_path = Path(cfg.db_path)
    if not db_path.exists():
        return DatabaseFacts(str(db_path), False), BundleFacts(False), UploadFacts(0, 0)
    try:
        conn = _read_only(db_path, cfg["store.busy_timeout_ms"])
    except sqlite3.Error as exc:
        return DatabaseFacts(str(db_path), True, problem=f"cannot open: {exc}"), BundleFacts(False), UploadFacts(0, 0)
    try:
        try:
            records, problem = light_db_problem(conn)
        except sqlite3.Error as exc:
            return DatabaseFacts(str(db_path), True, problem=f"unreadable: {exc}"), BundleFacts(False), UploadFacts(0, 0)
        database = DatabaseFacts(str(db_path), True, records, problem)
        if problem:
            return database, BundleFacts(False), UploadFacts(0, 0)
        return database, _bundle(conn), _uploads(conn)
    finally:
        conn.close()


def _bundle(conn: sqlite3.Connection) -> BundleFacts:

    row = conn.execute("select body from bundles where applied_at is not null order by id desc limit 1").fetchone()
    if not row:
        return BundleFacts(False)
    try:
        issued = _when(json.loads(row[0]).get("issued_at"))
    except (ValueError, AttributeError):
        issued = None
    pulled = conn.execute("select max(at) from sync_log where direction = 'pull' and error is null").fetchone()[0]
    return BundleFacts(True, issued, _when(pulled))


def _uploads(conn: sqlite3.Connection) -> UploadFacts:
    up = upload_state(conn)  # what `kiosk sync status` and the screens say
    oldest = conn.execute(
        "select min(j.created_at) from journal j join outbox o on o.seq = j.seq where o.state in (?, ?)", list(WAITING)
    ).fetchone()[0]
    return UploadFacts(up.pending, up.failed, _when(oldest), up.last_error)


def gather_trust(cfg: Any) -> TrustFacts:
    from kiosk.codes_runtime import kiosk_trust

    try:
        trust = kiosk_trust(cfg)
    except Exception as exc:  # noqa: BLE001 — TrustError, ConfigError: reported, not raised
        return TrustFacts(error=str(exc))
    certs = tuple(SignerCert(d.subject, d.not_after) for group in trust.store.dsc.values() for d in group)
    return TrustFacts(certs, trust.error or "")


def gather_server(cfg: Any) -> ServerFacts:
    """One signed, cheap request (the bundle with its ETag): reachability, enrolment and clock skew at once."""
    from sync import credentials
    from sync.factory import make_link
    from sync.protocol import PATH_BUNDLE

    try:
        creds = credentials.load(cfg.data_dir)
    except credentials.CredentialsError:
        return ServerFacts(False)
    try:
        link = make_link(cfg, creds)
    except credentials.CredentialsError as exc:
        return ServerFacts(True, creds.server_url, creds.device_id, error=str(exc))
    try:
        etag = None
        if Path(cfg.db_path).exists():
            conn = _read_only(Path(cfg.db_path), cfg["store.busy_timeout_ms"])
            try:
                row = conn.execute("select etag from bundles where applied_at is not null order by id desc limit 1").fetchone()
                etag = row[0] if row else None
            except sqlite3.Error:
                etag = None
            finally:
                conn.close()
        reply = link.request("GET", PATH_BUNDLE, headers={"If-None-Match": etag} if etag else None)
    finally:
        link.close()
    ok = reply.status in (200, 304)
    return ServerFacts(True, link.base_url, creds.device_id, reply.status, "" if ok else reply.describe(),
                       link.skew_s if link.skew_measured else None)
