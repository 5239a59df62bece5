"""Backoff delays and response classes: pure rules, table tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.config import load_config
from sync.common.backoff import RETRY_AFTER_MAX_S, Backoff, parse_retry_after
from sync.factory import sync_backoff
from sync.protocol.classify import Verdict, classify


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(1, 1.0), (2, 2.0), (3, 4.0), (9, 256.0), (10, 300.0), (50, 300.0), (10_000, 300.0), (0, 1.0)],
)
def test_ceiling_doubles_and_is_capped_at_five_minutes(attempt: int, ceiling: float) -> None:
    assert Backoff(base_s=1.0, cap_s=300.0).ceiling(attempt) == ceiling


def test_full_jitter_spans_zero_to_the_ceiling() -> None:
    b = Backoff(base_s=2.0, cap_s=300.0)
    assert b.delay(3, rng=lambda: 0.0) == 0.0
    assert b.delay(3, rng=lambda: 0.5) == 4.0
    assert b.delay(3, rng=lambda: 0.999999) == pytest.approx(8.0, rel=1e-5)
    delays = {b.delay(4) for _ in range(200)}
    assert len(delays) > 150 and all(0 <= d <= 16.0 for d in delays)


@pytest.mark.parametrize(
    ("retry_after", "jitter", "expected"),
    [(30.0, 0.0, 30.0), (0.5, 1.0, 4.0), (7200.0, 0.0, RETRY_AFTER_MAX_S), (-3.0, 0.0, 0.0)],
)
def test_retry_after_is_a_floor(retry_after: float, jitter: float, expected: float) -> None:
    assert Backoff(base_s=1.0, cap_s=300.0).delay(3, retry_after_s=retry_after, rng=lambda: jitter) == expected


def test_bad_backoff_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Backoff(base_s=0)


NOW = datetime(2026, 11, 28, 7, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sat, 28 Nov 2026 07:01:30 GMT", 90.0),
        ("Sat, 28 Nov 2026 06:59:00 GMT", 0.0),  # in the past: go now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [
        (200, None, Verdict.ACK),
        (201, None, Verdict.ACK),
        (None, None, Verdict.RETRY),
        (500, None, Verdict.RETRY),
        (502, None, Verdict.RETRY),
        (503, None, Verdict.RETRY),
        (429, None, Verdict.RETRY),
        (408, None, Verdict.RETRY),
        (413, None, Verdict.SPLIT),
        (400, "malformed", Verdict.PARK),
        (422, "invalid", Verdict.PARK),
        (422, "idempotency-conflict", Verdict.PARK),
        (403, "device-mismatch", Verdict.PARK),
        (404, None, Verdict.PARK),
        (401, "stale-timestamp", Verdict.RETRY),
        (401, "replayed", Verdict.RETRY),
        (401, "bad-signature", Verdict.HOLD),
        (401, "unknown-device", Verdict.HOLD),
        (401, None, Verdict.HOLD),
        (302, None, Verdict.RETRY),
    ],
)
def test_classify(status: int | None, code: str | None, verdict: Verdict) -> None:
    assert classify(status, code) is verdict


def test_a_base_above_the_cap_waits_the_cap() -> None:
    # The settings allow it (each has its own range); every wait is then the cap.
    cfg = load_config(env={"KIOSK_SYNC_BACKOFF_BASE_S": "60", "KIOSK_SYNC_BACKOFF_CAP_S": "5"})
    backoff = sync_backoff(cfg)
    assert [backoff.ceiling(n) for n in (1, 2, 10)] == [5.0, 5.0, 5.0]
    assert backoff.delay(1, rng=lambda: 1.0) == 5.0
