"""A generated day at the gate, as tests/benchmarks/bench_gate.py makes one: gate entries
through the store's own writer (journal, hash chain and outbox row each), a busier morning
and evening, a few red and yellow codes, fevers, overrides and key persons; then a sync
history with every outcome and a few parked records. Deterministic (seeded)."""

from __future__ import annotations

import datetime as dt
import json
import random
import zoneinfo
from typing import Any

from sync import log as synclog

# people per local hour: quiet at night, rush at 7-9 and 17-19
PROFILE = [1, 0, 0, 0, 1, 2, 6, 22, 30, 14, 9, 8, 10, 9, 7, 8, 12, 26, 28, 15, 9, 6, 3, 2]


def fill_day(store: Any, day: dt.date, tz: str, scale: float = 1.0, seed: int = 5) -> dict[str, Any]:
    """Gate entries for a local day; returns the counts the report must show."""
    rng = random.Random(seed)
    zone = zoneinfo.ZoneInfo(tz)
    counts = {"in": 0, "out": 0, "red": 0, "yellow": 0, "fever": 0, "overrides": 0, "key": 0, "by_hour": [[0, 0] for _ in range(24)]}
    with store.writing() as w:
        for hour, base in enumerate(PROFILE):
            for i in range(round(base * scale)):
                local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), zone)
                at = local.astimezone(dt.UTC).isoformat(timespec="microseconds")
                direction = "in" if (i + hour) % 3 else "out"
                r = rng.random()
                colour = "green" if r < 0.93 else ("yellow" if r < 0.97 else "red")
                fever = direction == "in" and rng.random() < 0.02
                outcome = "deny" if colour == "red" or fever else ("review" if colour == "yellow" else "pass")
                key = direction == "in" and rng.random() < 0.04
                groups = ["cold-chain"] if key else []
                overridden = outcome == "review" and rng.random() < 0.5
                rec = w.append("gate_entry", {"direction": direction, "outcome": outcome, "colour": colour, "lane": "scan",
                                              "key_groups": groups, "id_masked": "110***********00" + str(hour % 10) + "X"},
                               created_at=at)
                w.db.execute(
                    "insert into gate_entries (record_uuid, seq, created_at, direction, person_kind, code_format, code_status,"
                    " code_colour, colour_source, temperature_c, fever_confirmed, outcome, reasons, guard, lane, key_group,"
                    " overridden, original_outcome) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [rec.uuid, rec.seq, at, direction, "resident" if rng.random() < 0.9 else "visitor", "cn-signed", "valid",
                     colour, "signed", 38.1 if fever else 36.5, int(fever), "pass" if overridden else outcome,
                     json.dumps(["code-red"] if colour == "red" else []), "周军", "scan", int(key), int(overridden),
                     outcome if overridden else None],
                )
                counts[direction] += 1
                counts["by_hour"][hour][0 if direction == "in" else 1] += 1
                counts["red"] += colour == "red" and direction == "in"  # the report counts codes shown on the way in
                counts["yellow"] += colour == "yellow" and direction == "in"
                counts["fever"] += fever
                counts["overrides"] += overridden
                counts["key"] += key
    return counts


def sync_history(store: Any, now: dt.datetime, parked: int = 3) -> dict[str, int]:
    """Uploads and pulls of the last hours with every outcome; most records sent, `parked` refused."""
    attempts = [
        # minutes ago, direction, records, bytes, ms, http status, error
        (300, "pull", 0, 48_213, 412.0, 200, None),
        (240, "upload", 200, 61_440, 388.0, 200, None),
        (200, "upload", 200, 0, 10_003.0, None, "connection refused"),
        (190, "upload", 200, 0, 1_220.0, 503, "HTTP 503: server busy"),
        (180, "upload", 200, 60_112, 402.0, 200, None),
        (120, "upload", 3, 2_048, 95.0, 422, "HTTP 422: record 17 body does not match its hash"),
        (90, "pull", 0, 0, 35.0, 401, "HTTP 401: unknown-device"),
        (60, "upload", 150, 45_002, 350.5, 200, None),
        (30, "pull", 0, 512, 40.0, 304, None),
        (10, "upload", 80, 0, 5_000.0, 429, "HTTP 429: slow down (Retry-After 30)"),
    ]
    for ago, direction, records, size, ms, status, error in attempts:
        at = (now - dt.timedelta(minutes=ago)).isoformat(timespec="microseconds")
        synclog.record(store, synclog.Attempt(at, direction, None, records, size, ms, status, error), skew_s=1.4)
    with store.writing() as w:  # everything but the newest 40 records went; the first `parked` were refused
        last = w.db.execute("select max(seq) from outbox").fetchone()[0]
        w.db.execute("update outbox set state = 'sent' where seq <= ?", [last - 40])
        w.db.execute(
            "update outbox set state = 'failed', attempts = 1, last_error = 'HTTP 422: record body does not match its hash'"
            " where seq in (select seq from outbox where state = 'pending' order by seq limit ?)", [parked])
    return {"attempts": len(attempts), "ok": 5, "retry": 3, "parked": 1, "refused": 1, "pending": 40 - parked}
