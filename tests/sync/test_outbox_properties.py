"""Property test: any sequence of claims, answers, failures, splits, parks, restarts and new
records never loses an outbox row, never marks sent what the server does not hold, and ends
with everything sent once the server answers again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import load_config
from kiosk.store.db import open_store
from sync.outbox import Batch, Outbox

OPS = st.lists(
    st.sampled_from(["add", "claim", "deliver", "lose", "fail", "park", "split", "requeue", "restart", "tick"]),
    min_size=1,
    max_size=40,
)


def contiguous_through(held: set[int]) -> int:
    n = 0
    while n + 1 in held:
        n += 1
    return n


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, sizes=st.lists(st.integers(1, 6), min_size=40, max_size=40))
def test_outbox_never_loses_or_overclaims(tmp_path_factory: pytest.TempPathFactory, ops: list[str], sizes: list[int]) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(tmp)})
    store = open_store(cfg.db_path)
    now = [datetime(2026, 11, 28, tzinfo=UTC)]
    box = Outbox(store, clock=lambda: now[0])
    held: set[int] = set()  # what the model server stores
    inflight: list[Batch] = []
    try:
        for op, size in zip(ops, sizes, strict=False):
            if op == "add":
                with store.writing() as w:
                    for _ in range(size):
                        w.append("gate_entry", {"n": size})
            elif op == "claim":
                batch = box.claim(size, 10**6)
                if batch:
                    inflight.append(batch)
            elif op in ("deliver", "lose") and inflight:
                batch = inflight.pop(0)
                held.update(batch.seqs)
                if op == "deliver":
                    box.ack(batch, contiguous_through(held), retry_delay_s=1)
                else:
                    box.retry(batch, "lost", 1)
            elif op == "fail" and inflight:
                box.retry(inflight.pop(0), "503", 1)
            elif op == "park" and inflight:
                box.park(inflight.pop(0), "422")
            elif op == "split" and inflight and len(inflight[0].records) > 1:
                inflight.extend(box.split(inflight.pop(0)))
            elif op == "requeue":
                box.requeue_failed()
            elif op == "restart":
                inflight.clear()
                box.release_stale()
            elif op == "tick":
                now[0] += timedelta(seconds=2)
            # invariants after every step
            journal = store.db.execute("select count(*) from journal").fetchone()[0]
            assert store.db.execute("select count(*) from outbox").fetchone()[0] == journal
            sent = {r[0] for r in store.db.execute("select seq from outbox where state = 'sent'")}
            assert sent <= held, "marked sent but not held by the server"
            assert max(sent, default=0) <= contiguous_through(held)
        # the server answers again and the admin requeues what was parked: everything arrives
        inflight.clear()
        box.release_stale()
        box.requeue_failed()
        store.db.execute("update outbox set next_attempt_at = null")
        store.db.conn.commit()
        for _ in range(1000):
            batch = box.claim(50, 10**6)
            if batch is None:
                break
            held.update(batch.seqs)
            box.ack(batch, contiguous_through(held))
        stats = box.stats()
        assert (stats.pending, stats.claimed, stats.failed) == (0, 0, 0)
        assert stats.sent == store.db.execute("select count(*) from journal").fetchone()[0]
    finally:
        store.close()
