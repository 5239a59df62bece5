"""Health monitoring raises its alerts by itself: a key person who had no temperature reading on a
day (or a confirmed fever) becomes an alert once that day is over, without anyone having to run
`kiosk-central monitoring`. A worker checks the day before on its first request of each local day
(the communities' time zone), in a thread of its own (no request waits for it). Each alert is
raised once per person, day and kind, so several workers checking alike is harmless. A fever today
needs no check here: the gate's own alert lane reports it at once."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

from sqlalchemy import Engine, select

from sync.server.alerts import monitoring
from sync.server.console import alerts as console_alerts
from sync.server.console import key_entries
from sync.server.console.scope import device_community_map
from sync.server.devices.tables import devices
from sync.server.settings import ServerSettings, local_today, monitoring_periods

log = logging.getLogger("kiosk-central")


def check(engine: Engine, settings: ServerSettings, today: date | None = None) -> int:
    """The day before `today` in every community that has a gate; returns how many alerts were new."""
    tz = settings.timezone
    day = (today or local_today(tz)) - timedelta(days=1)
    periods = monitoring_periods(settings.monitoring_days)
    console_alerts.catch_up(engine)  # the key-person projection is read below: bring it up to date
    raised = 0
    with engine.begin() as conn:
        mapped = device_community_map(conn)  # a gate's community as the console assigned it, else its own
        communities = sorted({mapped.get(d, c) for d, c in conn.execute(select(devices.c.device_id, devices.c.community))})
        for community in communities:
            people = key_entries.monitored(conn, community, day, tz, periods)
            raised += monitoring.raise_alerts(conn, community, day, people, day_over=True, notify=bool(settings.alert_webhook_url))
    return raised


class MonitoringCheck:
    """Per process: start a check on the first request of each local day, unless one is running."""

    def __init__(self, engine: Engine, settings: ServerSettings) -> None:
        self.engine, self.settings = engine, settings
        self.checked: date | None = None  # the local day this process last checked on
        self._running = threading.Lock()
        self._stopped = False

    def poke(self, today: date | None = None) -> bool:
        today = today or local_today(self.settings.timezone)
        if self._stopped or today == self.checked or not self._running.acquire(blocking=False):
            return False
        self.checked = today
        threading.Thread(target=self._run, name="monitoring-check", daemon=True).start()
        return True

    def stop(self, timeout_s: float = 30.0) -> None:
        """On shutdown: no new check, and a running one is waited for (it holds a database connection)."""
        self._stopped = True
        if self._running.acquire(timeout=timeout_s):
            self._running.release()

    def _run(self) -> None:
        try:
            raised = check(self.engine, self.settings)
            if raised:
                log.info("monitoring: %d new alert(s)", raised)
        except Exception:  # noqa: BLE001 - a failed check is retried at the next interval, never fatal
            log.exception("monitoring check failed")
        finally:
            self._running.release()
