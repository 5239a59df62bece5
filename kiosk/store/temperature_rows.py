"""`temperature_readings` rows: the one function that inserts them.

Each row is projected from the body of its `temperature` record, inside the caller's
transaction. Its `created_at` is when the reading was taken (the record's own time is when
the pass was recorded). Deleting rows stays with retention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.store.db import Record


def project_temperature(db: Any, rec: Record, body: Mapping[str, Any]) -> None:
    """The `temperature_readings` row of a `temperature` record."""
    db.execute(
        "insert into temperature_readings (record_uuid, seq, created_at, entry_uuid, value_c, method, classification, valid)"
        " values (?,?,?,?,?,?,?,?)",
        [rec.uuid, rec.seq, body["taken_at"], body["entry_uuid"], body["value_c"], body["method"],
         body["classification"], int(body["valid"])],
    )
