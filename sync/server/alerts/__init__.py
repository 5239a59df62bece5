"""Alerts, and the precise control of key persons that raises them (第一时间报告, 重点人群).

- `tables.py`: `alerts` (one row per alert, whichever way it came; its notification state) and
  `home_isolation` (who is under home isolation, where, until when);
- `alerts.py`: the ONE owner of the alerts table: from a kiosk's priority lane, from ingested
  records, from the server itself; acknowledged and closed by staff;
- `notify.py`: each new alert POSTed to the configured webhook, signed, retried with backoff;
- `isolation.py`: the home-isolation list and its part of each gate's bundle;
- `monitoring.py`: health monitoring of key persons: who is monitored on a day, who has a reading;
- `monitoring_check.py`: a worker raises the monitoring alerts of each day once it is over;
- `cli.py`: `kiosk-central isolation`, `alerts`, `monitoring` and `report daily` (precise control).

The console shows and acknowledges alerts through `alerts.py` (sync/server/console/alerts.py).
"""
