"""Builds what the screens use from the settings and the store: the gate service with
verification, the duty roster, the admin PIN, the sync worker (if provisioned) and the
camera. `Services` is what KioskApp receives; tests and the benchmark build one the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.ui.adapters.admin import AdminAdapter
from kiosk.ui.adapters.duty_status import DutyAdapter, StatusAdapter
from kiosk.ui.adapters.gate import GateAdapter
from kiosk.ui.ports import AdminPort, DutyPort, FrameSource, GatePort, StatusPort

log = logging.getLogger(__name__)


@dataclass
class Services:
    gate: GatePort
    duty: DutyPort
    status: StatusPort
    admin: AdminPort
    frames: FrameSource | None = None
    thermometer: Any = None  # kiosk.ui.adapters.thermo.ThermometerFeed, None = the guard types temperatures
    # start(on_code) begins feeding decoded codes (camera, scanner) to on_code(text, source)
    # from device threads; stop() ends that. The App hands codes to the Kivy thread.
    start: Callable[[Callable[[str, str], None]], None] = lambda _cb: None
    stop: Callable[[], None] = lambda: None
    extra: dict[str, Any] = field(default_factory=dict)


def build_services(cfg: Any, store: Any, *, with_sync: bool = True, with_devices: bool = True,
                   checker: Any = None) -> Services:
    """`checker` (a CodeChecker) replaces the one sync would make (e.g. another platform)."""
    from kiosk.codes_runtime import KioskVerifier
    from kiosk.service.admin_pin import AdminPin
    from kiosk.service.gate import GateService
    from kiosk.store.vault import Vault

    vault = Vault.for_config(cfg)
    real_checker, worker = _sync_parts(cfg, store, vault) if with_sync else (None, None)
    checker = checker if checker is not None else real_checker
    verifier = KioskVerifier(cfg, checker=checker)
    service = GateService(store, cfg, verifier, checker=checker, vault=vault)
    notify = worker.notify if worker is not None else (lambda: None)
    gate = GateAdapter(service, after_commit=notify)
    duty = DutyAdapter(service.duty)
    status = StatusAdapter(store, cfg, service.mode, duty)
    admin = AdminAdapter(store, cfg, AdminPin.for_config(store, cfg), service, report=_report_fn(cfg, store, service),
                         export=_export_fn(cfg, store, vault), sync_now=notify if worker is not None else None,
                         clock=service.clock)
    services = Services(gate=gate, duty=duty, status=status, admin=admin, extra={"service": service, "sync": worker})
    if with_devices:
        from kiosk.ui.adapters.camera import attach_devices
        from kiosk.ui.adapters.thermo import make_feed

        attach_devices(cfg, services)
        services.thermometer = make_feed(cfg)  # fails loudly on a thermometer that cannot be opened
    if worker is not None:
        inner_start, inner_stop = services.start, services.stop

        def start(cb: Callable[[str, str], None]) -> None:
            worker.start()
            inner_start(cb)

        def stop() -> None:
            inner_stop()
            worker.stop()

        services.start, services.stop = start, stop
    return services


def _sync_parts(cfg: Any, store: Any, vault: Any) -> tuple[Any, Any]:
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
    from kiosk.service.reports import Reports

    # The evening's daily (or zero) report is filed by the worker itself, then uploaded like any record.
    return new_checker(), make_worker(cfg, store, checker=new_checker(), vault=vault, file_reports=Reports(store, cfg).file_due)


def _report_fn(cfg: Any, store: Any, service: Any) -> Callable[[Any], dict[str, Any]]:
    """A local day's daily report (or zero report; today's so far), as the workflow computes it."""
    from kiosk.service.reports import Reports

    reports = Reports(store, cfg, service.clock)

    def of_day(day: Any) -> dict[str, Any]:
        people = [{"name_masked": p.name_masked, "id_masked": p.id_masked, "categories": list(p.categories)}
                  for p in reports.key_people(day)]
        return {**reports.compute(day).as_dict(), "key_people": people}

    return of_day


def _export_fn(cfg: Any, store: Any, vault: Any) -> Callable[[Any, Any, Any, str], tuple[Any, int]]:
    """Gate entries of a period into a folder as CSV or XLSX, ID numbers and phones masked."""
    from kiosk.service.export import export_rows, write_csv, write_xlsx

    def export(folder: Any, first: Any, last: Any, fmt: str) -> tuple[Any, int]:
        rows = export_rows(store, vault, first, last, cfg["kiosk.timezone"], full=False)
        gate = re.sub(r"[^\w-]", "_", cfg["kiosk.gate_name"])  # a gate name is no path
        path = folder / f"kiosk-{gate}-{first}-{last}.{fmt}"
        (write_xlsx if fmt == "xlsx" else write_csv)(rows, path)
        return path, len(rows)

    return export
