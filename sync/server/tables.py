"""Every table of the central server, in the one MetaData (SQLAlchemy Core).

Each concern declares its own tables beside its code, on `sync.server.db.metadata`:

| module | tables |
| --- | --- |
| `sync/server/devices/tables.py` | devices, enroll_codes, nonces, rate_counters, refused_requests |
| `sync/server/records/tables.py` | records, batches, sync_log |
| `sync/server/lists/tables.py` | roster, risk_areas, trust_entries, server_state, code_registry |
| `sync/server/alerts/tables.py` | alerts, home_isolation |
| `sync/server/contacts/tables.py` | passes, pass_gates, pass_people |
| `sync/server/reports/tables.py` | reports, console_daily_reports |
| `sync/server/console/tables.py` | the console's accounts, sessions, audit, duty, communities, projections |

Whoever needs the whole schema imports `metadata` from here (Alembic's env), which imports every
concern's module so none is missed. Alembic migrations create the tables; they never import these
modules' tables for their schema (tests/server/test_schema_tables.py keeps the two equal).
"""

from __future__ import annotations

from sync.server.alerts import tables as alerts_tables
from sync.server.console import tables as console_tables
from sync.server.contacts import tables as contacts_tables
from sync.server.db import metadata
from sync.server.devices import tables as devices_tables
from sync.server.lists import tables as lists_tables
from sync.server.records import tables as records_tables
from sync.server.reports import tables as reports_tables

CONCERNS = (devices_tables, records_tables, lists_tables, alerts_tables, contacts_tables, reports_tables, console_tables)

__all__ = ["CONCERNS", "metadata"]
