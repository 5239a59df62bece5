"""A generated data set with contacts planted at the window's edges, across midnight (local and UTC),
across gates and with repeated passes: depth 1 and depth 2 found exactly, on SQLite and PostgreSQL.
Passes enter through the ingest's own projection (sync.server.contacts.passes.project)."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nacl.public import PrivateKey, SealedBox

from kiosk.domain.identity import check_digit
from kiosk.domain.masking import mask_id, mask_name
from sync.protocol import roster_lookup_hash
from sync.server.contacts.passes import project
from sync.server.contacts.tracing import ContactQuery, Keys, find_contacts
from sync.server.context import ServerContext
from sync.server.devices.device_secrets import community_lookup_key
from sync.server.settings import from_env

P1 = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
P2 = datetime(2026, 11, 10, 15, 55, tzinfo=UTC)  # 23:55 in Asia/Shanghai
P3 = datetime(2026, 11, 11, 23, 50, tzinfo=UTC)  # 10 minutes before UTC midnight
A2 = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def person_id(n: int) -> str:
    first = f"11010119900101{n:03d}"
    return first + check_digit(first)


PEOPLE = {name: person_id(i) for i, name in enumerate(["P", "A", "B", "F", "G", "C", "D", "D2", "E", "S", "T", "Z"], start=1)}

# (who, gate, time, direction); who None = an unmatched opaque token
PLANTED: list[tuple[str | None, str, datetime, str]] = [
    ("P", "g1", P1, "in"), ("P", "g1", P2, "out"), ("P", "g1", P3, "in"), ("P", "g1", datetime(2026, 10, 1, 10, tzinfo=UTC), "in"),
    ("A", "g1", P1 + 15 * M, "in"),  # +15:00 exactly: close
    ("A", "g3", A2, "out"),
    ("B", "g1", P1 + 16 * M, "out"),  # +16: not close; a minute from A: secondary
    ("F", "g1", P1 - 15 * M, "out"),  # -15:00 exactly: close
    ("G", "g1", P1 - 15 * M - timedelta(seconds=1), "in"),  # -15:01: not close; beside F: secondary
    ("C", "g2", P1, "in"),  # the same minute at another gate: nothing
    ("D", "g1", P2 + 13 * M, "in"),  # 00:08 local, the next day: close
    ("D2", "g1", P3 + 14 * M, "out"),  # 00:04 UTC, the next day: close
    ("E", "g1", P1 + 5 * M, "in"), ("E", "g1", P1 + 6 * M, "out"), ("E", "g1", P2 - 3 * M, "in"),  # repeated: close once
    ("S", "g3", A2 + 10 * M, "in"),  # near A's other pass: secondary
    ("T", "g3", A2 + 26 * M, "in"),  # 26 minutes after A: nothing
    ("Z", "g1", datetime(2026, 10, 1, 10, 5, tzinfo=UTC), "in"),  # beside P's pass before the period: nothing
    (None, "g1", P1 + 2 * M, "in"), (None, "g1", P1 - 14 * M, "out"), (None, "g1", P2 + 30 * M, "in"),
]


def _seal(ctx: ServerContext, text: str) -> str:
    box = SealedBox(PrivateKey(ctx.identity_private).public_key).encrypt(text.encode("utf-8"))
    return base64.urlsafe_b64encode(box).rstrip(b"=").decode("ascii")


def _load(ctx: ServerContext, rows: list[tuple[str | None, str, datetime, str]], noise: int = 400) -> None:
    key = community_lookup_key(ctx.lookup_master, "default")
    rng = random.Random(12)
    extra = [(f"noise{rng.randrange(50)}", rng.choice(["g4", "g5"]), P1 + rng.randrange(-3000, 3000) * M, "in") for _ in range(noise)]
    recs = []
    for n, (who, gate, at, direction) in enumerate(rows + extra):
        body: dict[str, object] = {"direction": direction, "identity": None}
        if who is not None:
            number = PEOPLE.get(who) or person_id(100 + int(who.removeprefix("noise")))
            body["identity"] = {"hash": roster_lookup_hash(key, "id", number), "sealed": _seal(ctx, number),
                                "name_sealed": _seal(ctx, f"名{who}"), "source": "id-number", "id_masked": mask_id(number),
                                "name_masked": mask_name(f"名{who}")}
        recs.append((gate, (f"00000000-0000-7000-8000-{n:012d}", "gate_entry", at.isoformat(), json.dumps(body))))
    with ctx.engine.begin() as conn:
        for gate, rec in recs:
            project(conn, "default", gate, [rec])


def _query(ctx: ServerContext, depth: int, window_min: int = 15, full: bool = True) -> dict[str, object]:
    start, end = datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 14, tzinfo=UTC)
    q = ContactQuery(PEOPLE["P"], int(start.timestamp() * 1000), int(end.timestamp() * 1000), window_min * 60_000, depth, full=full)
    with ctx.engine.connect() as conn:
        return find_contacts(conn, Keys(ctx.lookup_master, ctx.identity_private, ctx.data_key), q)


def _who(entries: object) -> set[str]:
    by_id = {v: k for k, v in PEOPLE.items()}
    assert isinstance(entries, list)
    return {by_id[e["id_number"]] for e in entries}


def test_planted_contacts_are_found_exactly(ctx: ServerContext) -> None:
    _load(ctx, PLANTED)
    one = _query(ctx, 1)
    assert _who(one["close"]) == {"A", "F", "D", "D2", "E"}
    assert one["secondary"] == []
    close = {e["name"]: e for e in one["close"]}  # type: ignore[attr-defined]
    assert [p["at"] for p in close["名E"]["passes"]] == ["2026-11-10T10:05:00.000Z", "2026-11-10T10:06:00.000Z",
                                                        "2026-11-10T15:52:00.000Z"]
    assert sorted(o["minutes_apart"] for o in close["名E"]["overlaps"]) == [-3.0, 5.0, 6.0]
    assert close["名D"]["passes"] == [{"gate": "g1", "at": "2026-11-10T16:08:00.000Z", "direction": "in"}]
    assert one["person"]["passes"][0]["at"] == "2026-11-10T10:00:00.000Z" and len(one["person"]["passes"]) == 3  # type: ignore[index]
    assert [(u["gate"], u["around"], u["count"]) for u in one["unidentified"]] == [("g1", "2026-11-10T10:00:00.000Z", 2)]  # type: ignore[attr-defined]

    two = _query(ctx, 2)
    assert _who(two["close"]) == {"A", "F", "D", "D2", "E"}
    assert _who(two["secondary"]) == {"B", "G", "S"}
    s = next(e for e in two["secondary"] if e["name"] == "名S")  # type: ignore[attr-defined]
    assert (s["passes_near"], s["first_at"], s["last_at"], s["gates"]) == (1, "2026-11-12T09:10:00.000Z", "2026-11-12T09:10:00.000Z", ["g3"])

    masked = _query(ctx, 2, full=False)  # the same people, masked, from the masked forms on the passes
    assert sorted(e["id_number"] for e in masked["secondary"]) == sorted(mask_id(PEOPLE[w]) for w in "BGS")  # type: ignore[attr-defined]
    assert {e["name"] for e in masked["close"]} == {mask_name(f"名{w}") for w in ("A", "F", "D", "D2", "E")}  # type: ignore[attr-defined]

    wider = _query(ctx, 1, window_min=16)  # the window is a parameter: +16 is then a contact
    assert _who(wider["close"]) == {"A", "B", "F", "G", "D", "D2", "E"}


def test_a_person_with_no_passes_has_no_contacts(ctx: ServerContext) -> None:
    _load(ctx, [r for r in PLANTED if r[0] != "P"])
    result = _query(ctx, 2)
    assert result["close"] == [] and result["secondary"] == [] and result["person"]["passes"] == []  # type: ignore[index]


def test_the_command_refuses_bad_input_and_the_wrong_role(tmp_path: Path) -> None:
    from sync.server.console.cli_users import add_community, add_user
    from tests.server.central import run_cli

    data, db = tmp_path / "central", f"sqlite:///{tmp_path / 'c.db'}"
    ctx = ServerContext.open(from_env(data_dir=data, db=db))
    with ctx.engine.begin() as conn:
        add_community(conn, "c1", "东园")
        add_user(conn, "ann", "admin", "correct horse battery staple", [])
        add_user(conn, "sam", "staff", "correct horse battery staple", ["c1"])
        add_user(conn, "vic", "viewer", "correct horse battery staple", ["c1"])
    ok = ("contacts", "--id", PEOPLE["P"])
    for args, why in [
        (("contacts", "--id", "110101199001010011", "--by", "ann"), "--id"),  # wrong check digit
        ((*ok, "--window", "0", "--by", "ann"), "--window must be 1..240"),
        ((*ok, "--from", "2026-13-01", "--by", "ann"), "--from must be YYYY-MM-DD"),
        ((*ok, "--from", "2026-11-10", "--to", "2026-11-01", "--by", "ann"), "--from is after --to"),
        ((*ok, "--by", "nobody"), "not an enabled console account"),
        ((*ok, "--by", "vic"), "a contacts look-up needs admin or staff"),
        ((*ok, "--full", "--by", "sam"), "--full needs admin"),
    ]:
        proc = run_cli(data, db, *args, check=False)
        assert proc.returncode == 2 and why in proc.stderr, (args, proc.stderr)
    assert json.loads(run_cli(data, db, *ok, "--by", "sam").stdout)["close"] == []
