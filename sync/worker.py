"""The background sync thread: wakes on a new record (an Event the gate service sets) or a timer.

Each round: pull the bundle when due, re-check offline codes while the platform answers,
purge old acknowledged records (once an hour), then upload everything due. A failing round
is logged and retried; the thread never dies silently and never blocks the gate: all it
shares with the gate is the store's single-writer lock, held for short steps only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.domain.models import CodeChecker
from kiosk.store.db import Store

from sync import revoked
from sync.alert_lane import AlertLane, LaneResult
from sync.client import Uploader
from sync.control import ControlError, ControlServer
from sync.outbox import Outbox
from sync.puller import Puller, PullResult
from sync.recheck import RecheckResult, Revealer, recheck_pending
from sync.retention import RetentionResult, purge

log = logging.getLogger(__name__)

RETENTION_EVERY_S = 3600.0


@dataclass(frozen=True)
class Round:
    pulled: PullResult | None
    unsent: int  # records still not on the server after the round (parked ones excluded)
    rechecked: RecheckResult | None
    retention: RetentionResult | None


class SyncWorker:
    def __init__(
        self,
        store: Store,
        uploader: Uploader,
        puller: Puller | None,
        *,
        interval_s: float,
        pull_interval_s: float,
        retention_days: int,
        checker: CodeChecker | None = None,
        vault: Revealer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        control_path: Path | None = None,
        lane: AlertLane | None = None,
        file_reports: Callable[[], Any] | None = None,
        skew_alert: Callable[[], Any] | None = None,
    ) -> None:
        self.store = store
        self.uploader = uploader
        self.puller = puller
        self.checker = checker
        self.vault = vault
        self.interval_s = interval_s
        self.pull_interval_s = pull_interval_s
        self.retention_days = retention_days
        self.monotonic = monotonic
        self.lane = lane  # alerts go first: before the pull, and between batches
        self.file_reports = file_reports  # the evening's daily report (kiosk.service.reports.Reports.file_due)
        self.skew_alert = skew_alert  # raises a clock-skew alert when the measured skew is too large
        self.last_lane: LaneResult | None = None
        self.wake = threading.Event()  # set by the gate service after it commits a record
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_pull = 0.0
        self._next_retention = 0.0
        self._started = False
        self.rounds = 0
        self.last_round: Round | None = None
        # Admin commands from other processes (`kiosk sync retry-failed`) while this one holds the writer.
        self.control = ControlServer(control_path, {"retry-failed": self._retry_failed}) if control_path else None

    def notify(self) -> None:
        """Call after committing a record: the worker uploads it now instead of at the next tick."""
        self.wake.set()

    def run_round(self, max_wait_s: float = 0.0) -> Round:
        """Pull, re-check, purge, then upload — so records the first three write go up at once."""
        if not self._started:
            self.uploader.start()  # release claims of a process that died
            self._started = True
        now = self.monotonic()
        pulled = None
        if revoked.revoked_at(self.store) is not None:  # a revoked gate talks to nobody and keeps its records
            stats = self.uploader.outbox.stats()
            self.rounds += 1
            self.last_round = Round(None, stats.pending + stats.claimed, None, None)
            return self.last_round
        if self.file_reports is not None:
            self.file_reports()  # files nothing until the report hour; once a day after it
        if self.lane is not None and not self._lane_first():
            stats = self.uploader.outbox.stats()  # the server did not answer the lane: nothing else would get through
            self.rounds += 1
            self.last_round = Round(None, stats.pending + stats.claimed, None, None)
            return self.last_round
        if self.puller is not None and now >= self._next_pull:
            pulled = self.puller.pull()
            self._next_pull = now + self.pull_interval_s
        rechecked = None
        if self.checker is not None:
            rechecked = recheck_pending(self.store, self.checker, self.vault)
        retention = None
        if now >= self._next_retention:
            retention = purge(self.store, self.retention_days)
            self._next_retention = now + RETENTION_EVERY_S
        unsent = self.uploader.drain(max_wait_s=max_wait_s, should_stop=self._stop.is_set,
                                     before_post=self._lane_first if self.lane is not None else None)
        if self.skew_alert is not None:
            self.skew_alert()
        self.rounds += 1
        self.last_round = Round(pulled, unsent, rechecked, retention)
        return self.last_round

    def _lane_first(self) -> bool:
        """Send pending alerts; False when the server did not answer."""
        assert self.lane is not None
        if not self.lane.pending():
            return True
        self.last_lane = self.lane.send()
        return self.last_lane.reachable

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self.wake.clear()
            try:
                self.run_round()
                failures = 0
                pause = self.interval_s
                retry_in = self.uploader.wait_s()
                if retry_in > 0:
                    pause = min(pause, retry_in)
            except Exception:  # the thread must survive anything a round throws
                failures += 1
                log.exception("sync round failed (%d in a row)", failures)
                pause = self.uploader.backoff.delay(failures)
            self.wake.wait(max(pause, 0.01))

    def _retry_failed(self) -> dict[str, Any]:
        n = Outbox(self.store).requeue_failed()
        self.notify()
        return {"requeued": n}

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the sync worker is already running")
        if self.control is not None:
            try:
                self.control.start()
            except (ControlError, OSError) as exc:  # sync runs on; only remote admin commands are lost
                log.warning("control channel not available: %s", exc)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.control is not None:
            self.control.stop()
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if not self._thread.is_alive():
                self.uploader.release()
            self._thread = None
