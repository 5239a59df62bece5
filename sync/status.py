"""The sync status for the admin: backlog, parked records, last success and error, clock skew.

One reader for both the CLI (`kiosk sync status`, `kiosk sync-log`) and the admin screen, so
the two never disagree: `sync_status`, `pending_by_kind` and `log_rows` (each attempt with its
outcome: ok / retry / parked / refused). Its core, `sync.upload_state` (waiting, parked, online,
revoked), is what the status bar and doctor read too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.config import Config
from kiosk.store import state
from kiosk.store.db import Store
from kiosk.store.outbox_state import OutboxState

from sync import credentials
from sync.outbox import Outbox
from sync.protocol.classify import Verdict, classify
from sync.protocol.clock import utc_now
from sync.puller import current_etag
from sync.upload_state import upload_state

OUTCOMES = ("ok", "retry", "parked", "refused")


def attempt_outcome(direction: str, http_status: int | None, error: str | None) -> str:
    """How one logged attempt ended, in the admin's words.

    ok: done. retry: a network fault or a transient answer (429, 5xx, 413 split), tried again
    by itself. parked: an upload the server refused as it is; its records wait for the admin.
    refused: the server will not take this gate's requests (credentials, revoked) or refused a
    pull or check, which parks nothing.
    """
    if error is None:
        return "ok"
    code = next((c for c in ("device-revoked", "stale-timestamp", "replayed") if c in error), None)
    verdict = classify(http_status, code)
    if verdict in (Verdict.RETRY, Verdict.SPLIT):
        return "retry"
    if verdict is Verdict.PARK and direction == "upload":
        return "parked"
    return "refused"


def _age_s(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    try:
        return max(0.0, (now - datetime.fromisoformat(iso)).total_seconds())
    except ValueError:
        return None


def sync_status(cfg: Config, store: Store, now: datetime | None = None) -> dict[str, Any]:
    """What the admin sees (CLI `kiosk sync status`, and the admin screen)."""
    now = now or utc_now()
    box = Outbox(store)
    stats = box.stats()
    up = upload_state(store.db)
    parked = [
        {"seq": seq, "kind": kind, "attempts": attempts, "error": error} for seq, kind, attempts, error in box.failed(limit=20)
    ]
    db = store.db
    skew = state.get(db, state.SYNC_CLOCK_SKEW)
    skew_s = float(skew[0]) if skew else None
    success = state.get(db, state.SYNC_LAST_SUCCESS)
    pull = state.get(db, state.SYNC_LAST_PULL)
    mode = state.get(db, state.MODE_FROM_BUNDLE)
    try:
        creds = credentials.load(cfg.data_dir)
        server, provisioned = cfg["sync.server_url"] or creds.server_url, True
    except credentials.CredentialsError:
        server, provisioned = cfg["sync.server_url"] or None, False
    gone = up.revoked_at
    return {
        "provisioned": provisioned,
        "online": up.online and gone is None,
        "revoked": gone is not None,  # the server revoked this gate for good; records are kept, nothing is sent
        "revoked_at": gone,
        "server": server,
        "pending": up.pending,
        "failed": up.failed,
        "parked": parked,  # the first 20 parked records and why
        "sent": stats.sent,
        "oldest_pending_at": stats.oldest_pending_at,
        "oldest_pending_age_s": _age_s(stats.oldest_pending_at, now),
        "next_attempt_at": stats.next_attempt_at,
        "last_success_at": success[0] if success else None,  # any direction (kept for older readers)
        "last_upload_at": up.last_upload_at,  # the last batch the server accepted
        "last_pull_at": pull[0] if pull else None,  # the last bundle pull that succeeded
        "last_error": up.last_error,
        "last_error_at": up.last_error_at,
        "clock_skew_s": skew_s,
        "clock_skew_warning": skew_s is not None and abs(skew_s) > cfg["sync.skew_warn_s"],
        "bundle_etag": current_etag(store),  # the version of the lists this gate applied
        "mode_from_bundle": mode[0] if mode else None,
    }


def pending_by_kind(store: Store) -> list[dict[str, Any]]:
    """Records not yet on the server, per kind: how many, the oldest, how many parked."""
    rows = store.db.execute(
        "select j.kind, count(*), min(j.created_at), sum(o.state = ?) from outbox o join journal j on j.seq = o.seq"
        " where o.state != ? group by j.kind order by min(j.created_at)", [OutboxState.FAILED, OutboxState.SENT]
    ).fetchall()
    return [{"kind": k, "count": n, "oldest_at": oldest, "parked": parked or 0} for k, n, oldest, parked in rows]


def log_rows(store: Store, limit: int = 200, outcome: str | None = None) -> list[dict[str, Any]]:
    """The newest sync attempts first, each with its outcome; `outcome` keeps only those."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    out = []
    scan = store.db.execute(
        "select at, direction, batch_id, records, bytes, duration_ms, http_status, error from sync_log order by id desc"
    )
    for at, direction, batch_id, records, size, ms, http_status, error in scan:
        row = {"at": at, "direction": direction, "outcome": attempt_outcome(direction, http_status, error),
               "records": records, "bytes": size, "duration_ms": ms, "http_status": http_status, "message": error or "",
               "batch_id": batch_id}
        if outcome is None or row["outcome"] == outcome:
            out.append(row)
            if len(out) >= limit:
                break
    return out
