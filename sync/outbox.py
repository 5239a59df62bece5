"""The kiosk's outbox as explicit states (OutboxState): pending -> claimed -> sent, or failed (parked).

Every change is one atomic step through the store's single writer. Rows are claimed in
sequence order and a batch never skips a row that is not yet due, so the server receives
the chain in order. A claim is only a promise in memory: at start, claims left by a
process that died are released back to pending (`release_stale`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kiosk.store.db import Store
from kiosk.store.outbox_state import OutboxState

from sync.protocol.clock import Clock, utc_iso, utc_now

# Bytes a record adds to the batch besides its body: uuid, hashes, time, keys and quotes.
RECORD_OVERHEAD_BYTES = 260


@dataclass(frozen=True)
class OutRecord:
    seq: int
    uuid: str
    kind: str
    created_at: str
    body: str
    prev_hash: str
    hash: str
    attempts: int
    size: int  # bytes this record adds to a batch (before gzip)

    def wire(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "seq": self.seq,
            "kind": self.kind,
            "created_at": self.created_at,
            "body": self.body,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class Batch:
    batch_id: str
    records: tuple[OutRecord, ...]

    @property
    def last_seq(self) -> int:
        return self.records[-1].seq

    @property
    def size(self) -> int:
        return sum(r.size for r in self.records)

    @property
    def attempts(self) -> int:
        return max(r.attempts for r in self.records)

    @property
    def seqs(self) -> list[int]:
        return [r.seq for r in self.records]


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    claimed: int
    failed: int
    sent: int
    oldest_pending_at: str | None  # created_at of the oldest record not yet on the server
    next_attempt_at: str | None

    @property
    def unsent(self) -> int:
        return self.pending + self.claimed + self.failed


_SELECT = """
select o.seq, j.uuid, j.kind, j.created_at, j.body, j.prev_hash, j.hash, o.attempts,
       length(cast(j.body as blob)) + length(j.kind) + ?, o.next_attempt_at
from outbox o join journal j on j.seq = o.seq
where o.state = ?
order by o.seq limit ?
"""


_NOT_SENT = (OutboxState.PENDING, OutboxState.CLAIMED, OutboxState.FAILED)
# The last ? is a JSON list of [first, last] seq ranges the server holds past a gap.
_MARK_SENT = """
update outbox set state = ?, acked_at = ?, claimed_at = null, last_error = null, next_attempt_at = null
where state in (?, ?, ?) and (seq <= ? or exists (
  select 1 from json_each(?) r where outbox.seq between json_extract(r.value, '$[0]') and json_extract(r.value, '$[1]')))
"""
_UNSEND = """
update outbox set state = ?, acked_at = null, batch_id = null
where state = ? and seq > ? and seq <= ? and not exists (
  select 1 from json_each(?) r where outbox.seq between json_extract(r.value, '$[0]') and json_extract(r.value, '$[1]'))
"""


class Outbox:
    def __init__(self, store: Store, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    # -- claiming -------------------------------------------------------------------------

    def release_stale(self) -> int:
        """Claims of a process that is gone go back to pending (attempts and backoff kept)."""
        with self.store.writing() as w:
            cur = w.db.execute(
                "update outbox set state = ?, claimed_at = null, batch_id = null where state = ?",
                [OutboxState.PENDING, OutboxState.CLAIMED],
            )
            return int(cur.rowcount)

    def claim(self, max_records: int, max_bytes: int) -> Batch | None:
        """Claim the next due pending rows in seq order, within both limits (at least one row).

        None when nothing is pending or the first pending row is still backing off.
        """
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        now = utc_iso(self.clock())
        with self.store.writing() as w:
            picked: list[OutRecord] = []
            total = 0
            rows = w.db.execute(_SELECT, [RECORD_OVERHEAD_BYTES, OutboxState.PENDING, max_records]).fetchall()
            for row in rows:
                due_at = row[9]
                if due_at is not None and due_at > now:
                    break  # keep the order: never overtake a row that is backing off
                rec = OutRecord(*row[:9])
                if picked and total + rec.size > max_bytes:
                    break
                picked.append(rec)
                total += rec.size
            if not picked:
                return None
            batch = Batch(str(uuid.uuid4()), tuple(picked))
            w.db.execute(
                "update outbox set state = ?, claimed_at = ?, batch_id = ? "
                "where state = ? and seq in (select value from json_each(?))",
                [OutboxState.CLAIMED, now, batch.batch_id, OutboxState.PENDING, json.dumps(batch.seqs)],
            )
            return batch

    def split(self, batch: Batch) -> tuple[Batch, Batch]:
        """Two halves with their own batch ids (and idempotency keys); rows stay claimed."""
        if len(batch.records) < 2:
            raise ValueError("a batch of one record cannot be split")
        mid = len(batch.records) // 2
        halves = (Batch(str(uuid.uuid4()), batch.records[:mid]), Batch(str(uuid.uuid4()), batch.records[mid:]))
        with self.store.writing() as w:
            for half in halves:
                w.db.execute(
                    "update outbox set batch_id = ? where state = ? and seq in (select value from json_each(?))",
                    [half.batch_id, OutboxState.CLAIMED, json.dumps(half.seqs)],
                )
        return halves

    # -- outcomes -------------------------------------------------------------------------

    def ack(
        self,
        batch: Batch,
        acked_through_seq: int,
        retry_delay_s: float = 0.0,
        held: Sequence[tuple[int, int]] = (),
        held_complete: bool = True,
    ) -> int:
        """The server holds every record up to `acked_through_seq`, and those in the `held`
        (first, last) ranges past a gap: mark those sent.

        Records of the batch it does not hold go back to pending (with a delay, e.g. while it
        still misses an earlier record). Returns the number of records newly marked sent.
        """
        now = self.clock()
        with self.store.writing() as w:
            last_seq = w.db.execute("select last_seq from device_state").fetchone()[0]
            through = min(acked_through_seq, last_seq)  # never trust an ack beyond what exists
            ranges = json.dumps([[a, min(b, last_seq)] for a, b in held if through < a <= b and a <= last_seq])
            cur = w.db.execute(_MARK_SENT, [OutboxState.SENT, utc_iso(now), *_NOT_SENT, through, ranges])
            marked = int(cur.rowcount)
            # The server says it does not hold what we thought it did (restored from a
            # backup, say): those records are still here, so send them again. Above the last
            # range of an incomplete list the server said nothing: leave those alone.
            ceiling = last_seq if held_complete or not held else max(b for _, b in held)
            w.db.execute(_UNSEND, [OutboxState.PENDING, OutboxState.SENT, through, ceiling, ranges])
            covered = {s for s in batch.seqs if s <= through or any(a <= s <= b for a, b in held)}
            rest = [s for s in batch.seqs if s not in covered]
            if rest:
                w.db.execute(
                    "update outbox set state = ?, claimed_at = null, batch_id = null, "
                    "attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                    "where state = ? and seq in (select value from json_each(?))",
                    [
                        OutboxState.PENDING,
                        utc_iso(now + timedelta(seconds=retry_delay_s)),
                        f"the server confirmed records only up to seq {through}",
                        OutboxState.CLAIMED,
                        json.dumps(rest),
                    ],
                )
            return marked

    def retry(self, batch: Batch, error: str, delay_s: float, keep_claim: bool = False) -> None:
        """A transient failure: count the attempt, store when to try again and why."""
        due = utc_iso(self.clock() + timedelta(seconds=delay_s))
        state = OutboxState.CLAIMED if keep_claim else OutboxState.PENDING
        with self.store.writing() as w:
            w.db.execute(
                "update outbox set state = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?, "
                "batch_id = case when ? then batch_id end, "
                "claimed_at = case when ? then claimed_at end "
                "where state = ? and seq in (select value from json_each(?))",
                [state, due, error[:500], keep_claim, keep_claim, OutboxState.CLAIMED, json.dumps(batch.seqs)],
            )

    def park(self, batch: Batch, error: str, only: Sequence[int] | None = None) -> None:
        """The server refused the batch (or `only` these records of it): failed, kept and
        shown to the admin. Other records of the batch go back to pending, due at once."""
        refused = [s for s in batch.seqs if only is None or s in set(only)]
        with self.store.writing() as w:
            w.db.execute(
                "update outbox set state = ?, attempts = attempts + 1, last_error = ?, claimed_at = null "
                "where state = ? and seq in (select value from json_each(?))",
                [OutboxState.FAILED, error[:500], OutboxState.CLAIMED, json.dumps(refused)],
            )
            w.db.execute(
                "update outbox set state = ?, batch_id = null, claimed_at = null, next_attempt_at = null "
                "where state = ? and seq in (select value from json_each(?))",
                [OutboxState.PENDING, OutboxState.CLAIMED, json.dumps(batch.seqs)],
            )

    def requeue_failed(self) -> int:
        """The admin's "try the failed records again"."""
        with self.store.writing() as w:
            cur = w.db.execute(
                "update outbox set state = ?, batch_id = null, next_attempt_at = null where state = ?",
                [OutboxState.PENDING, OutboxState.FAILED],
            )
            return int(cur.rowcount)

    # -- reading --------------------------------------------------------------------------

    def stats(self) -> OutboxStats:
        db = self.store.db
        counts = dict.fromkeys(OutboxState, 0)
        for state, n in db.execute("select state, count(*) from outbox group by state").fetchall():
            counts[OutboxState(state)] = n
        oldest = db.execute(
            "select min(j.created_at) from journal j join outbox o on o.seq = j.seq where o.state != ?", [OutboxState.SENT]
        ).fetchone()[0]
        due = db.execute("select min(next_attempt_at) from outbox where state = ?", [OutboxState.PENDING]).fetchone()[0]
        return OutboxStats(counts[OutboxState.PENDING], counts[OutboxState.CLAIMED], counts[OutboxState.FAILED],
                           counts[OutboxState.SENT], oldest, due)

    def first_due(self) -> str | None:
        """When the first pending row may go (None: nothing pending, or it is due now)."""
        row = self.store.db.execute(
            "select next_attempt_at from outbox where state = ? order by seq limit 1", [OutboxState.PENDING]
        ).fetchone()
        return row[0] if row else None

    def failed(self, limit: int = 100) -> Sequence[tuple[int, str, int, str | None]]:
        """(seq, kind, attempts, last_error) of parked records, oldest first."""
        return self.store.db.execute(
            "select o.seq, j.kind, o.attempts, o.last_error from outbox o join journal j on j.seq = o.seq "
            "where o.state = ? order by o.seq limit ?",
            [OutboxState.FAILED, limit],
        ).fetchall()
