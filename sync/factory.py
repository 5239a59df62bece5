"""Builds the sync parts from the settings and the provisioning file, in one place.

Fails loudly (CredentialsError, BundleError) when the kiosk is not provisioned or the
pinned key is unusable, rather than running a worker that can never succeed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import Config
from kiosk.domain.models import CodeChecker
from kiosk.store import state
from kiosk.store.db import Store

from sync import credentials, doctor_status
from sync.alert_lane import AlertLane, skew_alert
from sync.client import Uploader, UploadLimits
from sync.common.backoff import Backoff
from sync.control import socket_path
from sync.credentials import Credentials
from sync.link import ServerLink
from sync.protocol import load_public_key
from sync.puller import Puller
from sync.recheck import Revealer
from sync.worker import SyncWorker


def stored_skew(store: Store) -> float:
    skew = state.value(store.db, state.SYNC_CLOCK_SKEW)
    try:
        return float(skew) if skew is not None else 0.0
    except ValueError:
        return 0.0


def make_link(cfg: Config, creds: Credentials, store: Store | None = None, clock: Callable[[], float] = time.time) -> ServerLink:
    ca = cfg["sync.ca_bundle"]
    if ca and not Path(ca).expanduser().is_file():
        raise credentials.CredentialsError(f"sync.ca_bundle: {ca} is not a file (a PEM bundle of CA certificates)")
    return ServerLink(
        creds,
        base_url=cfg["sync.server_url"] or creds.server_url,
        timeout_s=cfg["sync.timeout_s"],
        ca_bundle=str(Path(ca).expanduser()) if ca else "",
        clock=clock,
        skew_s=stored_skew(store) if store is not None else 0.0,
    )


def sync_backoff(cfg: Config) -> Backoff:
    # A base above the cap (the settings allow it) means every wait is the cap: the same delays.
    cap = cfg["sync.backoff_cap_s"]
    return Backoff(min(cfg["sync.backoff_base_s"], cap), cap)


def make_uploader(cfg: Config, store: Store, link: ServerLink) -> Uploader:
    creds = link.creds
    limits = UploadLimits(
        max_records=min(cfg["sync.batch_max_records"], creds.max_batch_records),
        max_bytes=cfg["sync.batch_max_bytes"],
        max_body_bytes=creds.max_batch_bytes,
    )
    data_dir = cfg.data_dir
    return Uploader(store, link, limits, sync_backoff(cfg),
                    doctor=lambda: doctor_status.load(data_dir))


def make_puller(store: Store, link: ServerLink) -> Puller:
    return Puller(store, link, load_public_key(link.creds.bundle_public_key))


def open_vault(cfg: Config) -> Revealer:
    """The vault the worker's re-checks by ID reveal numbers with."""
    from kiosk.store.vault import Vault

    return Vault.for_config(cfg)


def make_worker(
    cfg: Config,
    store: Store,
    *,
    checker: CodeChecker | None = None,
    vault: Revealer | None = None,
    clock: Callable[[], float] = time.time,
    file_reports: Callable[[], Any] | None = None,
) -> SyncWorker:
    """The worker the kiosk runs. The gate service calls `worker.notify()` after each commit."""
    creds = credentials.load(cfg.data_dir)
    link = make_link(cfg, creds, store, clock)
    vault = vault if vault is not None else open_vault(cfg)
    return SyncWorker(
        store,
        make_uploader(cfg, store, link),
        make_puller(store, link),
        interval_s=cfg["sync.interval_s"],
        pull_interval_s=cfg["sync.pull_interval_s"],
        retention_days=cfg["store.retention_days"],
        checker=checker,
        vault=vault,
        control_path=socket_path(cfg.data_dir),
        lane=AlertLane(store, link),
        file_reports=file_reports,
        skew_alert=lambda: skew_alert(store, link, cfg["sync.clock_skew_alert_s"]),
    )
