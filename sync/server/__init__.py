"""The reference central server (`kiosk-central`), arranged by feature: each room holds one concern's
code and its SQLAlchemy tables (a `tables.py` on the one MetaData), and says what it holds in its
`__init__.py`.

| room | holds |
| --- | --- |
| `api/` | the kiosks' endpoints (enrol, batches, bundle, code check, reports, alerts, key roll, clock) and the admin API |
| `console/` | the community console: pages, templates, accounts, sessions, audit, duty, communities |
| `devices/` | enrolled kiosks, enrolment codes, request authentication, sealed secrets, rate limits, refusals |
| `records/` | body limits, the batch parse, ingest, held ranges, the sync log, verify, the admin listings |
| `lists/` | the bundle: roster and key groups, risk areas, trust entries; the demo code registry |
| `alerts/` | alerts and their webhook, home isolation, health monitoring of key persons |
| `contacts/` | the passes projection and the close-contact look-up |
| `reports/` | the gates' daily reports and the communities' |

The frame around them: `app.py` (composes the app), `cli.py` (the command), `context.py`,
`settings.py`, `db.py` (engines, the one MetaData, upgrades), `tables.py` (every room's tables,
for Alembic), `migrations/`, `keys.py` and `identity.py` (the server's keys), `guard.py`,
`shedding.py` and `housekeeping.py` (standing under load and abuse), `serving.py` and
`supervision.py` (worker processes), `existing.py`.

It speaks only the protocol (sync.protocol) and the shared pure helpers (sync.common); it never
imports kiosk.* (docs/architecture.md).
"""
