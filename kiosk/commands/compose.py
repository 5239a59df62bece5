"""The composition root: the kiosk's parts built from the settings and the store, and
bundled as the typed `Services` the App is handed (kiosk/ui/services.py).

`kiosk run`, `kiosk demo`, the UI tests and the benchmark build them here: the gate
service with verification, the duty roster, the admin PIN, the sync worker (if
provisioned), the camera and scanners, the thermometer. The App only wires screens.
Nothing here imports Kivy, so `kiosk run` may build everything before the window opens.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.codes_runtime import KioskVerifier
from kiosk.config import Config
from kiosk.domain.models import CodeChecker
from kiosk.service.admin_pin import AdminPin
from kiosk.service.gate import GateService
from kiosk.service.reports import Reports
from kiosk.store.db import Store, open_store
from kiosk.store.vault import Vault
from kiosk.ui.adapters.admin import AdminAdapter
from kiosk.ui.adapters.duty_status import DutyAdapter, StatusAdapter
from kiosk.ui.adapters.gate import GateAdapter
from kiosk.ui.services import Services

if TYPE_CHECKING:
    from sync.worker import SyncWorker

log = logging.getLogger(__name__)


def build_services(cfg: Config, store: Store, *, with_sync: bool = True, with_devices: bool = True,
                   checker: CodeChecker | None = None) -> Services:
    """`checker` replaces the one sync would make (e.g. another platform); `with_sync=False`
    leaves the sync worker out, `with_devices=False` the camera, scanners and thermometer."""
    vault = Vault.for_config(cfg)
    real_checker, worker = _sync_parts(cfg, store, vault) if with_sync else (None, None)
    checker = checker if checker is not None else real_checker
    verifier = KioskVerifier(cfg, checker=checker)
    service = GateService(store, cfg, verifier, checker=checker, vault=vault)
    notify = worker.notify if worker is not None else (lambda: None)
    duty = DutyAdapter(service.duty)
    admin = AdminAdapter(store, cfg, AdminPin.for_config(store, cfg), service, report=_report_fn(cfg, store, service),
                         export=_export_fn(cfg, store, vault), sync_now=notify if worker is not None else None,
                         clock=service.clock)
    services = Services(gate=GateAdapter(service, after_commit=notify), duty=duty,
                        status=StatusAdapter(store, service.mode, duty), admin=admin, sync=worker)
    if not with_devices:
        return services
    from kiosk.ui.adapters.camera import make_device_hub
    from kiosk.ui.adapters.thermo import make_feed

    devices = make_device_hub(cfg)  # fails loudly on a camera setting that cannot work
    return replace(services, devices=devices, thermometer=make_feed(cfg))  # ... and on a thermometer that cannot be opened


def open_kiosk(cfg: Config) -> tuple[Store, Services]:
    """The kiosk's store and its services (`kiosk demo`, once the demo is prepared); the caller closes the store."""
    store = open_store(cfg.db_path, busy_timeout_ms=cfg["store.busy_timeout_ms"])
    try:
        return store, build_services(cfg, store)
    except BaseException:
        store.close()
        raise


def _sync_parts(cfg: Config, store: Store, vault: Vault) -> tuple[CodeChecker | None, SyncWorker | None]:
    """The online code checker and the sync worker, or (None, None) if not provisioned."""
    from sync import credentials

    try:
        creds = credentials.load(cfg.data_dir)
    except credentials.CredentialsError as exc:
        log.warning("not provisioned, working offline: %s", exc)
        return None, None
    from sync.code_check import HttpCodeChecker
    from sync.factory import make_worker

    def new_checker() -> HttpCodeChecker:
        return HttpCodeChecker(
            creds, timeout_s=cfg["codes.check_timeout_s"], base_url=cfg["sync.server_url"] or None,
            ca_bundle=cfg["sync.ca_bundle"],
        )

    # One checker per thread: each holds a requests.Session, which is not safe to share
    # between the UI's service thread and the sync worker.
    # The evening's daily (or zero) report is filed by the worker itself, then uploaded like any record.
    return new_checker(), make_worker(cfg, store, checker=new_checker(), vault=vault, file_reports=Reports(store, cfg).file_due)


def _report_fn(cfg: Config, store: Store, service: GateService) -> Callable[[dt.date], Mapping[str, Any]]:
    """A local day's daily report (or zero report; today's so far), as the workflow computes it."""
    reports = Reports(store, cfg, service.clock)

    def of_day(day: dt.date) -> dict[str, Any]:
        people = [{"name_masked": p.name_masked, "id_masked": p.id_masked, "categories": list(p.categories)}
                  for p in reports.key_people(day)]
        return {**reports.compute(day).as_dict(), "key_people": people}

    return of_day


def _export_fn(cfg: Config, store: Store, vault: Vault) -> Callable[[Path, dt.date, dt.date, str], tuple[Path, int]]:
    """Gate entries of a period into a folder as CSV or XLSX, ID numbers and phones masked."""
    from kiosk.service.export import export_rows, write_csv, write_xlsx

    def export(folder: Path, first: dt.date, last: dt.date, fmt: str) -> tuple[Path, int]:
        rows = export_rows(store, vault, first, last, cfg["kiosk.timezone"], full=False)
        gate = re.sub(r"[^\w-]", "_", cfg["kiosk.gate_name"])  # a gate name is no path
        path = folder / f"kiosk-{gate}-{first}-{last}.{fmt}"
        (write_xlsx if fmt == "xlsx" else write_csv)(rows, path)
        return path, len(rows)

    return export
