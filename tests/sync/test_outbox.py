"""The outbox states against a real SQLite store: claims in order, limits, outcomes, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.config import Config
from kiosk.store.db import Store, open_store
from sync.outbox import RECORD_OVERHEAD_BYTES, Outbox


def states(store: Store) -> dict[int, str]:
    return dict(store.db.execute("select seq, state from outbox order by seq").fetchall())


def fill(store: Store, n: int, size: int = 10) -> None:
    with store.writing() as w:
        for i in range(n):
            w.append("gate_entry", {"i": i, "pad": "x" * size})


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_claims_in_seq_order_within_the_record_limit(store: Store) -> None:
    fill(store, 7)
    box = Outbox(store)
    a = box.claim(max_records=3, max_bytes=10**6)
    b = box.claim(max_records=3, max_bytes=10**6)
    c = box.claim(max_records=3, max_bytes=10**6)
    assert a and b and c
    assert (a.seqs, b.seqs, c.seqs) == ([1, 2, 3], [4, 5, 6], [7])
    assert len({a.batch_id, b.batch_id, c.batch_id}) == 3
    assert box.claim(3, 10**6) is None
    assert set(states(store).values()) == {"claimed"}
    assert store.db.execute("select count(distinct batch_id) from outbox").fetchone()[0] == 3


def test_byte_limit_counts_utf8_bytes_and_always_takes_one(store: Store) -> None:
    with store.writing() as w:
        for _ in range(4):
            w.append("visitor", {"name": "张" * 100})  # 300 bytes of UTF-8, 100 characters
    box = Outbox(store)
    one = box.claim(max_records=10, max_bytes=1)  # even a tiny limit moves one record
    assert one and one.seqs == [1]
    size = one.records[0].size
    assert size > 300 + RECORD_OVERHEAD_BYTES
    two = box.claim(max_records=10, max_bytes=2 * size)
    assert two and two.seqs == [2, 3]


def test_ack_marks_only_up_to_the_acknowledged_seq(store: Store) -> None:
    fill(store, 5)
    clock = Clock()
    box = Outbox(store, clock)
    batch = box.claim(5, 10**6)
    assert batch
    assert box.ack(batch, acked_through_seq=3, retry_delay_s=10) == 3
    assert states(store) == {1: "sent", 2: "sent", 3: "sent", 4: "pending", 5: "pending"}
    # 4 and 5 wait (the server did not confirm them) and keep their order
    assert box.claim(5, 10**6) is None
    clock.now += timedelta(seconds=11)
    again = box.claim(5, 10**6)
    assert again and again.seqs == [4, 5] and again.attempts == 1


def test_an_ack_beyond_what_exists_is_not_trusted(store: Store) -> None:
    fill(store, 2)
    box = Outbox(store)
    batch = box.claim(5, 10**6)
    assert batch
    box.ack(batch, acked_through_seq=999)
    fill(store, 1)  # written after the ack: must stay pending
    assert states(store) == {1: "sent", 2: "sent", 3: "pending"}


def test_server_that_lost_records_gets_them_again(store: Store) -> None:
    fill(store, 4)
    box = Outbox(store)
    batch = box.claim(4, 10**6)
    assert batch
    box.ack(batch, 4)
    fill(store, 1)
    nxt = box.claim(4, 10**6)
    assert nxt and nxt.seqs == [5]
    box.ack(nxt, 2)  # the server now holds only 1..2 (restored from a backup)
    assert states(store) == {1: "sent", 2: "sent", 3: "pending", 4: "pending", 5: "pending"}


def test_retry_keeps_order_and_backs_off(store: Store) -> None:
    fill(store, 4)
    clock = Clock()
    box = Outbox(store, clock)
    batch = box.claim(2, 10**6)
    assert batch
    box.retry(batch, "HTTP 503", delay_s=30)
    row = store.db.execute("select state, attempts, next_attempt_at, last_error from outbox where seq = 1").fetchone()
    assert row[0] == "pending" and row[1] == 1 and row[3] == "HTTP 503"
    assert row[2] == (clock.now + timedelta(seconds=30)).isoformat(timespec="microseconds")
    assert box.claim(2, 10**6) is None, "records 3-4 must not overtake 1-2 while they back off"
    # A limit larger than the backing-off rows must not reach past them to 3-4 either.
    assert box.claim(10, 10**6) is None, "a larger limit must not skip the rows that back off"
    assert states(store) == {1: "pending", 2: "pending", 3: "pending", 4: "pending"}
    assert box.stats().next_attempt_at == row[2]
    clock.now += timedelta(seconds=31)
    again = box.claim(2, 10**6)
    assert again and again.seqs == [1, 2]


def test_retry_keeping_the_claim_keeps_the_batch_id(store: Store) -> None:
    fill(store, 2)
    box = Outbox(store)
    batch = box.claim(2, 10**6)
    assert batch
    box.retry(batch, "timeout", delay_s=1, keep_claim=True)
    rows = store.db.execute("select state, batch_id, attempts from outbox").fetchall()
    assert rows == [("claimed", batch.batch_id, 1)] * 2


def test_park_is_visible_and_later_records_still_go(store: Store) -> None:
    fill(store, 4)
    box = Outbox(store)
    batch = box.claim(2, 10**6)
    assert batch
    box.park(batch, "HTTP 422 invalid: records.0.kind")
    assert states(store)[1] == "failed"
    failed = box.failed()
    assert [(f[0], f[2], f[3]) for f in failed] == [(1, 1, "HTTP 422 invalid: records.0.kind"), (2, 1, "HTTP 422 invalid: records.0.kind")]
    nxt = box.claim(5, 10**6)
    assert nxt and nxt.seqs == [3, 4]
    stats = box.stats()
    assert (stats.failed, stats.claimed, stats.unsent) == (2, 2, 4)
    assert box.requeue_failed() == 2
    assert states(store)[1] == "pending"


def test_split_gives_halves_their_own_ids(store: Store) -> None:
    fill(store, 5)
    box = Outbox(store)
    batch = box.claim(5, 10**6)
    assert batch
    left, right = box.split(batch)
    assert (left.seqs, right.seqs) == ([1, 2], [3, 4, 5])
    assert len({batch.batch_id, left.batch_id, right.batch_id}) == 3
    ids = dict(store.db.execute("select seq, batch_id from outbox").fetchall())
    assert ids == {1: left.batch_id, 2: left.batch_id, 3: right.batch_id, 4: right.batch_id, 5: right.batch_id}
    with pytest.raises(ValueError, match="cannot be split"):
        box.split(left.__class__(left.batch_id, left.records[:1]))


def test_stale_claims_are_released_at_start(cfg: Config) -> None:
    store = open_store(cfg.db_path)
    fill(store, 3)
    box = Outbox(store)
    batch = box.claim(2, 10**6)
    assert batch
    store.close()  # the process "dies" with a claim outstanding
    store = open_store(cfg.db_path)
    try:
        assert states(store) == {1: "claimed", 2: "claimed", 3: "pending"}
        box = Outbox(store)
        assert box.release_stale() == 2
        again = box.claim(3, 10**6)
        assert again and again.seqs == [1, 2, 3]
    finally:
        store.close()


def test_stats_oldest_pending(store: Store) -> None:
    fill(store, 3)
    box = Outbox(store)
    first = store.db.execute("select created_at from journal where seq = 1").fetchone()[0]
    assert box.stats().oldest_pending_at == first
    batch = box.claim(3, 10**6)
    assert batch
    box.ack(batch, 3)
    stats = box.stats()
    assert (stats.pending, stats.sent, stats.oldest_pending_at) == (0, 3, None)
