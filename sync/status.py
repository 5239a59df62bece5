"""The sync status for the admin: backlog, parked records, last success and error, clock skew."""

from __future__ import annotations

from typing import Any

from kiosk.config import Config
from kiosk.store.db import Store

from sync import credentials, revoked
from sync import log as synclog
from sync.outbox import Outbox
from sync.puller import K_MODE, current_etag


def sync_status(cfg: Config, store: Store) -> dict[str, Any]:
    """What the admin sees (CLI `kiosk sync status`, and the admin screen)."""
    box = Outbox(store)
    stats = box.stats()
    parked = [
        {"seq": seq, "kind": kind, "attempts": attempts, "error": error} for seq, kind, attempts, error in box.failed(limit=20)
    ]
    skew = synclog.get_state(store, synclog.K_CLOCK_SKEW)
    skew_s = float(skew[0]) if skew else None
    error = synclog.get_state(store, synclog.K_LAST_ERROR)
    error_at = synclog.get_state(store, synclog.K_LAST_ERROR_AT)
    success = synclog.get_state(store, synclog.K_LAST_SUCCESS)
    upload = synclog.get_state(store, synclog.K_LAST_UPLOAD)
    pull = synclog.get_state(store, synclog.K_LAST_PULL)
    mode = synclog.get_state(store, K_MODE)
    try:
        creds = credentials.load(cfg.data_dir)
        server, provisioned = cfg["sync.server_url"] or creds.server_url, True
    except credentials.CredentialsError:
        server, provisioned = cfg["sync.server_url"] or None, False
    gone = revoked.revoked_at(store)
    return {
        "provisioned": provisioned,
        "revoked": gone is not None,  # the server revoked this gate for good; records are kept, nothing is sent
        "revoked_at": gone,
        "server": server,
        "pending": stats.pending + stats.claimed,
        "failed": stats.failed,
        "parked": parked,  # the first 20 parked records and why
        "sent": stats.sent,
        "oldest_pending_at": stats.oldest_pending_at,
        "next_attempt_at": stats.next_attempt_at,
        "last_success_at": success[0] if success else None,  # any direction (kept for older readers)
        "last_upload_at": upload[0] if upload else None,  # the last batch the server accepted
        "last_pull_at": pull[0] if pull else None,  # the last bundle pull that succeeded
        "last_error": error[0] if error else None,
        "last_error_at": error_at[0] if error_at else None,
        "clock_skew_s": skew_s,
        "clock_skew_warning": skew_s is not None and abs(skew_s) > cfg["sync.skew_warn_s"],
        "bundle_etag": current_etag(store),
        "mode_from_bundle": mode[0] if mode else None,
    }
