"""The one clock (sync.protocol.clock): aware UTC datetimes, and the ISO text stored and sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sync.protocol.clock import utc_iso, utc_now, utc_now_iso

SHANGHAI = timezone(timedelta(hours=8))


def test_utc_now_is_an_aware_utc_datetime() -> None:
    now = utc_now()
    assert isinstance(now, datetime) and now.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_stored_times_are_utc_with_microseconds_so_they_sort_as_text() -> None:
    at = datetime(2026, 11, 28, 15, 0, 0, tzinfo=SHANGHAI)
    assert utc_iso(at) == "2026-11-28T07:00:00.000000+00:00"
    assert utc_iso(at, timespec="seconds") == "2026-11-28T07:00:00+00:00"
    later = at + timedelta(microseconds=1)
    assert utc_iso(at) < utc_iso(later)


def test_now_as_text() -> None:
    stored, wire = utc_iso(), utc_now_iso()
    assert len(stored) == len("2026-11-28T07:00:00.000000+00:00") and stored.endswith("+00:00")
    assert len(wire) == len("2026-11-28T07:00:00.000+00:00") and wire.endswith("+00:00")
    assert abs(datetime.fromisoformat(stored) - datetime.now(UTC)) < timedelta(seconds=5)
