"""Retention purges only acknowledged old records and keeps the chain verifiable; the sync log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.store import state
from kiosk.store.db import Store
from sync import log as synclog
from sync.outbox import Outbox
from sync.retention import ALERT_KIND, purge

NOW = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat(timespec="microseconds")


def add(store: Store, days_ago: float, n: int = 1, kind: str = "gate_entry") -> list[str]:
    uuids = []
    with store.writing() as w:
        for _ in range(n):
            rec = w.append(kind, {"d": days_ago}, created_at=at(days_ago))
            if kind == "gate_entry":
                w.db.execute(
                    "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, outcome) "
                    "values (?, ?, ?, 'in', 'resident', 'pass')",
                    [rec.uuid, rec.seq, rec.created_at],
                )
            uuids.append(rec.uuid)
    return uuids


def send_through(store: Store, seq: int) -> None:
    box = Outbox(store)
    while (batch := box.claim(1000, 10**9)) is not None:
        box.ack(batch, seq)
        if batch.last_seq >= seq:
            break
    store.db.execute("update outbox set state = 'pending', batch_id = null, next_attempt_at = null where state != 'sent'")
    store.db.conn.commit()


def count(store: Store, table: str) -> int:
    return int(store.db.execute(f"select count(*) from {table}").fetchone()[0])  # noqa: S608


def test_purges_only_the_old_acknowledged_prefix_and_the_chain_still_verifies(store: Store) -> None:
    add(store, 40, 3)  # seq 1-3: old
    add(store, 30, 2)  # seq 4-5: old
    add(store, 1, 2)  # seq 6-7: recent
    send_through(store, 7)
    result = purge(store, retention_days=28, now=NOW)
    assert (result.purged, result.anchor_seq, result.unsent_old, result.alert_uuid) == (5, 5, 0, None)
    assert [r[0] for r in store.db.execute("select seq from journal order by seq")] == [6, 7]
    assert count(store, "gate_entries") == 2 and count(store, "outbox") == 2
    assert store.check() == []
    anchor = store.db.execute("select anchor_seq, anchor_hash from device_state").fetchone()
    assert anchor[0] == 5 and anchor[1] == store.db.execute("select prev_hash from journal where seq = 6").fetchone()[0]
    # new records still chain on
    add(store, 0, 1)
    assert store.check() == []
    # a second run has nothing more to do
    assert purge(store, 28, now=NOW).purged == 0


def test_a_long_prefix_is_purged_in_short_steps(store: Store) -> None:
    add(store, 40, 25)
    add(store, 1, 3)
    send_through(store, 28)
    result = purge(store, 28, now=NOW, chunk=4)
    assert (result.purged, result.anchor_seq) == (25, 25)
    assert [r[0] for r in store.db.execute("select seq from journal order by seq")] == [26, 27, 28]
    assert count(store, "gate_entries") == 3 and store.check() == []


def test_unsent_old_records_are_kept_and_flagged_once_a_day(store: Store) -> None:
    add(store, 40, 2)  # seq 1-2 old, sent
    add(store, 35, 2)  # seq 3-4 old, NOT sent
    add(store, 33, 1)  # seq 5 old, sent (after a gap): must be kept too (prefix only)
    send_through(store, 2)
    store.db.execute("update outbox set state = 'sent' where seq = 5")
    store.db.conn.commit()
    result = purge(store, 28, now=NOW)
    assert result.purged == 2 and result.anchor_seq == 2
    assert result.unsent_old == 2 and result.alert_uuid is not None
    assert [r[0] for r in store.db.execute("select seq from journal where seq <= 5 order by seq")] == [3, 4, 5]
    alert = store.db.execute("select kind, message from alerts where record_uuid = ?", [result.alert_uuid]).fetchone()
    assert alert[0] == ALERT_KIND and "2 record(s) older than 28 days" in alert[1] and "oldest seq 3" in alert[1]
    journal_alert = store.db.execute("select kind from journal where uuid = ?", [result.alert_uuid]).fetchone()
    assert journal_alert == ("alert",)
    again = purge(store, 28, now=NOW + timedelta(hours=1))
    assert again.unsent_old == 2 and again.alert_uuid is None, "one alert a day, not one per run"
    tomorrow = purge(store, 28, now=NOW + timedelta(days=1))
    assert tomorrow.alert_uuid is not None
    assert store.check() == []


def test_a_record_waiting_for_its_recheck_is_not_purged(store: Store) -> None:
    first = add(store, 40, 1)[0]
    add(store, 40, 2)
    send_through(store, 3)
    with store.writing() as w:
        w.db.execute(
            "insert into pending_rechecks (entry_uuid, created_at, qr_text) values (?, ?, 'https://h5.example/t/1')",
            [first, at(40)],
        )
    assert purge(store, 28, now=NOW).purged == 0
    store.db.execute("delete from pending_rechecks")
    store.db.conn.commit()
    assert purge(store, 28, now=NOW).purged == 3
    assert store.check() == []


def test_old_sync_log_rows_are_pruned(store: Store) -> None:
    synclog.record(store, synclog.Attempt(at=at(40), direction="upload", records=3))
    synclog.record(store, synclog.Attempt(at=at(1), direction="pull", http_status=304))
    purge(store, 28, now=NOW)
    assert [a.direction for a in synclog.read(store)] == ["pull"]


def test_sync_log_records_attempts_and_last_success_and_error(store: Store) -> None:
    synclog.record(store, synclog.Attempt(at=at(2), direction="upload", batch_id="b1", records=10, bytes=999, duration_ms=12.34, http_status=200))
    synclog.record(store, synclog.Attempt(at=at(1), direction="upload", batch_id="b2", records=5, http_status=503, error="HTTP 503 unavailable"))
    rows = list(synclog.read(store))
    assert [(r.batch_id, r.http_status, r.ok) for r in rows] == [("b1", 200, True), ("b2", 503, False)]
    assert rows[0].duration_ms == 12.3
    assert [r.batch_id for r in synclog.read(store, since=at(1.5))] == ["b2"]
    assert state.get(store.db, state.SYNC_LAST_SUCCESS) is not None
    assert state.get(store.db, state.SYNC_LAST_SUCCESS)[0] == at(2)  # type: ignore[index]
    assert state.get(store.db, state.SYNC_LAST_ERROR)[0] == "upload: HTTP 503 unavailable"  # type: ignore[index]
