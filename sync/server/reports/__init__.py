"""Reports up the chain (日报告/零报告): each gate's own daily report, and its community's.

- `tables.py`: `reports` (each gate's daily or zero report as the kiosk filed it) and
  `console_daily_reports` (a community's report as staff submitted it, its figures frozen);
- `gate_reports.py`: the gates' reports as the admin API and `kiosk-central reports` list them;
- `community_report.py`: a community's report for a day from its gates' reports (CSV, XLSX), as
  `kiosk-central report daily` and the console's report page build it.

A gate files its report through the sync API (POST /v1/reports, sync/server/api/sync_routes.py).
"""
