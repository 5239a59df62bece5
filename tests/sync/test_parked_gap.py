"""One parked record must not stall the records after it: the server stores them past the gap
and acknowledges them by range (`held_ranges`); its chain stays honest (status `gap`, verified
only up to the gap) until the parked record arrives."""

from __future__ import annotations

from sync.client import Step
from sync.outbox import Outbox
from tests.sync.conftest import KioskUnderTest, Server, assert_exactly_once_and_chained
from tests.sync.faultproxy import status


def test_a_record_parked_by_a_transient_413_does_not_stall_later_ones(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(1)
    kiosk.proxy.push(status(413))  # a proxy refuses the single record once
    up = kiosk.uploader()
    assert up.step() is Step.PARKED
    kiosk.fill(30)
    assert up.drain(max_wait_s=0.5) == 0, "the records after the parked one are all acknowledged"
    states = dict(kiosk.store.db.execute("select seq, state from outbox").fetchall())
    assert states[1] == "failed" and all(states[s] == "sent" for s in range(2, 32))
    sent_records = sum(s.records or 0 for s in kiosk.proxy.batches())
    assert sent_records == 31, f"nothing is re-sent behind the gap ({sent_records} record sends for 31 records)"

    dev = server.device(kiosk.creds.device_id)
    assert (dev.stored_through_seq, dev.verified_through_seq, dev.chain_status) == (0, 0, "gap")
    assert up.last_ack is not None and [(g.first, g.last) for g in up.last_ack.chain.gaps] == [(1, 1)]
    assert [(r.first, r.last) for r in up.last_ack.held_ranges] == [(2, 31)]

    assert Outbox(kiosk.store).requeue_failed() == 1  # the admin's retry-failed
    assert up.drain(max_wait_s=0.5) == 0
    assert up.last_ack is not None and up.last_ack.acked_through_seq == 31 and up.last_ack.held_ranges == []
    assert_exactly_once_and_chained(server, kiosk)


def test_a_server_that_lost_records_past_the_gap_gets_them_again(server: Server, kiosk: KioskUnderTest) -> None:
    """Held-acked rows go back to pending when a later ack no longer lists them (server restored)."""
    kiosk.fill(1)
    kiosk.proxy.push(status(413))
    up = kiosk.uploader()
    assert up.step() is Step.PARKED
    kiosk.fill(5)
    assert up.drain(max_wait_s=0.5) == 0
    box = Outbox(kiosk.store)
    batch = box.claim(10, 10**6)
    assert batch is None
    # An ack that holds only 2..3 (4..6 lost on the server's side) puts 4..6 back to pending.
    kiosk.fill(1)
    batch = box.claim(10, 10**6)
    assert batch is not None and batch.seqs == [7]
    box.ack(batch, 0, held=[(2, 3), (7, 7)])
    states = dict(kiosk.store.db.execute("select seq, state from outbox").fetchall())
    assert [states[s] for s in range(1, 8)] == ["failed", "sent", "sent", "pending", "pending", "pending", "sent"]
    # An incomplete list says nothing above its last range: those rows stay as they are.
    batch = box.claim(10, 10**6)
    assert batch is not None
    box.ack(batch, 0, held=[(2, 5)], held_complete=False)
    states = dict(kiosk.store.db.execute("select seq, state from outbox").fetchall())
    assert [states[s] for s in range(1, 8)] == ["failed", "sent", "sent", "sent", "sent", "pending", "sent"]


def test_batches_grow_back_to_the_setting_after_a_cascade_of_413s(server: Server, kiosk: KioskUnderTest) -> None:
    kiosk.fill(200)
    kiosk.proxy.push(status(413), status(413), status(413))  # a proxy refuses 20, then 10, then 5
    up = kiosk.uploader()
    assert up.drain(max_wait_s=2) == 0
    accepted = [s.records or 0 for s in kiosk.proxy.batches() if s.fault == "pass"]
    assert accepted[0] <= 3, accepted
    assert accepted[-2] == 20, f"batch size back at the setting (20) once batches are accepted again: {accepted}"
    assert sum(accepted) == 200
    assert_exactly_once_and_chained(server, kiosk)
