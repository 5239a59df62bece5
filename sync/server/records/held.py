"""Records a device has stored past a gap, as seq ranges (the `held_ranges` of a batch ack).

A record the kiosk parked (too large, refused) leaves a gap; the records after it are still
stored and their receipt is acknowledged by range, so the kiosk stops re-sending them. The
chain is NOT verified past the gap: `acked_through_seq` and `verified_through_seq` stay below
it and the device's chain status stays `gap` until the missing record arrives.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from sync.protocol.messages import MAX_HELD_RANGES, SeqRange
from sync.server.records.tables import records


def held_ranges(conn: Connection, device_id: str, above_seq: int, max_seq: int) -> tuple[list[SeqRange], bool]:
    """Runs of consecutive stored seqs above `above_seq` (at most MAX_HELD_RANGES + whether that is all)."""
    if max_seq <= above_seq:
        return [], True
    # gaps-and-islands: within a run, seq - row_number() is constant
    numbered = (
        select(records.c.seq, (records.c.seq - func.row_number().over(order_by=records.c.seq)).label("grp"))
        .where(records.c.device_id == device_id, records.c.seq > above_seq)
        .subquery()
    )
    rows = conn.execute(
        select(func.min(numbered.c.seq), func.max(numbered.c.seq))
        .group_by(numbered.c.grp)
        .order_by(func.min(numbered.c.seq))
        .limit(MAX_HELD_RANGES + 1)
    ).all()
    ranges = [SeqRange(first=int(r[0]), last=int(r[1])) for r in rows[:MAX_HELD_RANGES]]
    return ranges, len(rows) <= MAX_HELD_RANGES
