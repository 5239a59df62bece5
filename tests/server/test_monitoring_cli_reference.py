"""`kiosk-central monitoring` reads console_key_entries (as the automatic check does) and answers as it
did when it parsed the records' bodies: for random records, on SQLite and PostgreSQL, its JSON and the
alerts it raises equal the old command's computation (monitoring.monitored_on, then raise_alerts),
over several days, communities, time zones and monitoring periods. The records arrive in two rounds
after the command first ran, so its own catch-up of the projection is what is tested (no backfill)."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from sync.server.alerts import monitoring
from sync.server.alerts.tables import alerts, home_isolation
from sync.server.console.tables import communities, device_communities
from sync.server.db import make_engine
from sync.server.devices.tables import devices
from sync.server.records.tables import records
from sync.server.settings import local_today, monitoring_periods
from tests.server.central import run_cli

GATES = {"gate-a": "c1", "gate-b": "c1", "gate-c": "c2"}  # gate-b is c1's through the console, the others by their own field
GROUPS = ["inbound", "cold-chain", "released-or-recovered", "risk-area-14d", "home-isolation", "unknown-flag"]
SETTINGS = [("Asia/Shanghai", ""), ("America/New_York", "cold-chain=7,inbound=21,released=3")]
SPAN_DAYS = 24  # the records' creation times reach this far back from now


def _body(rng: random.Random, persons: list[str]) -> tuple[str, object]:
    """A record of a random kind and shape, as kiosks send them (and a few they should not)."""
    person = rng.choice(persons)
    roll = rng.random()
    if roll < 0.1:
        return "visitor", {"person_uuid": person, "name_masked": rng.choice(["张*", "李*", ""]), "id_masked": f"1101**{person[-4:]}"}
    if roll < 0.13:
        return rng.choice(["temperature", "alert", "gate_entry"]), rng.choice(
            [[], "text", {"direction": "in", "key_groups": ["inbound"]}, {"person_uuid": "x" * 65, "direction": "in", "key_groups": ["inbound"]}])
    readings = [{"value_c": round(rng.uniform(34.0, 39.0), 1), "classification": rng.choice(["normal", "fever", "too-low", "bad"])}
                for _ in range(rng.choice([0, 1, 1, 2]))]
    return "gate_entry", {
        "person_uuid": person if rng.random() < 0.95 else None, "direction": rng.choice(["in", "in", "out"]),
        "key_groups": rng.sample(GROUPS, rng.choice([0, 0, 1, 2])), "risk_level": rng.choice([None, None, "low", "medium", "high"]),
        "id_masked": rng.choice([f"3601**{person[-4:]}", None]), "outcome": "pass", "colour": "green",
        "temperature": {"verdict": rng.choice(["normal", "normal", "fever-confirmed", "not-measured"]), "readings": readings},
    }


def _records(rng: random.Random, persons: list[str], seqs: range, now: datetime) -> list[dict[str, Any]]:
    """Records created over the last SPAN_DAYS days, received now (as ingest stamps them)."""
    received = datetime.now(UTC).isoformat(timespec="microseconds")
    out = []
    for seq in seqs:
        kind, body = _body(rng, persons)
        at = now - timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        if out and rng.random() < 0.02:
            at = datetime.fromisoformat(out[-1]["created_at"])  # the same instant as another record: ties keep their order
        text = "{not json" if rng.random() < 0.01 else json.dumps(body, ensure_ascii=False)
        out.append({"uuid": str(uuid.UUID(int=rng.getrandbits(128))), "device_id": rng.choice(list(GATES)), "seq": seq, "kind": kind,
                    "created_at": at.isoformat(timespec="microseconds"), "body": text, "prev_hash": "0" * 64, "hash": "0" * 64,
                    "received_at": received, "batch_id": "b"})
    return out


def _setup(engine: Engine, rng: random.Random, persons: list[str], today: date) -> None:
    with engine.begin() as conn:
        conn.execute(insert(devices), [{"device_id": d, "community": "elsewhere" if d == "gate-b" else c, "secret": "x",
                                        "enrolled_at": "2026-10-01T00:00:00+00:00", "anchor_hash": "0" * 64, "verified_hash": "0" * 64}
                                       for d, c in GATES.items()])
        conn.execute(insert(communities), [{"community_id": "c1", "name": "一社区", "mode": "normal"}])
        conn.execute(insert(device_communities), [{"device_id": "gate-b", "community_id": "c1"}])
        isolations = []
        for i in range(8):
            start = today - timedelta(days=rng.randrange(SPAN_DAYS))
            isolations.append({"community": rng.choice(["c1", "c2", "c3"]), "roster_uuid": rng.choice([persons[i], ""]),
                               "name": f"王{i}", "start_date": start.isoformat(), "end_date": (start + timedelta(days=rng.randrange(3, 15))).isoformat(),
                               "ended_at": "2026-11-03T02:00:00+00:00" if i == 7 else None,
                               "reason": "密接", "placed_by": "admin", "placed_at": "2026-11-01T00:00:00+00:00"})
        conn.execute(insert(home_isolation), isolations)


def _old_command(engine: Engine, community: str, day: date, tz: str, days: str, all_: bool) -> tuple[dict[str, Any], list[Any]]:
    """What the command printed (--json) and the alerts it raised when it parsed the bodies; rolled back."""
    over = day < local_today(tz)
    with engine.connect() as conn, conn.begin() as tx:
        people = monitoring.monitored_on(conn, community, day, tz, monitoring_periods(days))
        raised = monitoring.raise_alerts(conn, community, day, people, day_over=over, notify=False)
        made = _alerts(conn)
        tx.rollback()
    rows = [m.public() for m in people if all_ or not m.public()["has_reading"]]
    missing = sum(1 for m in people if not m.public()["has_reading"])
    answer = {"community": community, "date": day.isoformat(), "monitored": len(people), "missing": missing, "day_over": over,
              "people": rows, "alerts_raised": raised}
    return json.loads(json.dumps(answer)), made


def _alerts(conn: Any) -> list[Any]:
    a = alerts.c
    return [tuple(r) for r in conn.execute(select(a.record_uuid, a.device_id, a.community, a.kind, a.message, a.entry_uuid, a.source,
                                                  a.created_at, a.state, a.notify_state).order_by(a.record_uuid))]


def test_the_command_answers_and_alerts_as_the_body_parsing_reference(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "central"
    run_cli(data_dir, db_url, "init")
    engine = make_engine(db_url)
    rng = random.Random(15)
    persons = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(30)]
    now = datetime.now(UTC)
    today = local_today("Asia/Shanghai")
    _setup(engine, rng, persons, today)
    compared = monitored = with_readings = raised = 0

    def compare(days_back: list[int]) -> None:
        """Each day once, the settings and communities taken in turn (every pairing comes up over the test)."""
        nonlocal compared, monitored, with_readings, raised
        for back in days_back:
            tz, periods = SETTINGS[compared % len(SETTINGS)]
            community = ("c1", "c2", "c3")[compared // len(SETTINGS) % 3]
            monkeypatch.setenv("KIOSK_CENTRAL_TIMEZONE", tz)
            monkeypatch.setenv("KIOSK_CENTRAL_MONITORING_DAYS", periods)
            day = local_today(tz) - timedelta(days=back)
            all_ = compared % 3 == 0
            want, want_alerts = _old_command(engine, community, day, tz, periods, all_)
            got = json.loads(run_cli(data_dir, db_url, "monitoring", "--date", day.isoformat(), "--community", community,
                                     "--json", *(["--all"] if all_ else [])).stdout)
            assert got == want, (community, day, tz, periods, all_)
            with engine.connect() as conn:
                assert _alerts(conn) == want_alerts, (community, day, tz, periods)
            compared += 1
            monitored += want["monitored"]
            with_readings += sum(1 for p in want["people"] if p["readings"])
            raised += want["alerts_raised"]

    compare([0, 1, 1, 2])  # nothing received yet: the isolations alone
    try:
        with engine.begin() as conn:
            conn.execute(insert(records), _records(rng, persons, range(1, 701), now))
        compare([0, 1, 1, 3, 9, 0, 1, 4])
        with engine.begin() as conn:
            conn.execute(insert(records), _records(rng, persons, range(701, 1401), now))  # received after the command's catch-up
        compare([0, 1, 2, 5, 8, 13, 20, SPAN_DAYS + 30, 0, 1, 1, 2, 3, 6, 10, 0, 1, 1, 4, 7])
    finally:
        engine.dispose()
    assert compared == 32
    assert monitored > 150 and with_readings > 20 and raised > 50, (monitored, with_readings, raised)  # the data exercises what is compared
