"""find_contacts against a plain reference: a generated community (a few busy gates, passes on whole
minutes so the window's edges are hit exactly, some passes naming nobody, one gate in a second
community where the same people have other hashes, gate numbers across two words of depth 2's gate
bits), loaded through the ingest's projection; for
several people, windows, depths and gate scopes the whole answer is recomputed in Python straight
from the list of passes (every pair compared, no index, no merging of windows) and must be equal.
On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.public import PrivateKey, SealedBox
from sqlalchemy import insert

from kiosk.domain.identity import check_digit
from kiosk.domain.masking import mask_id, mask_name
from sync.protocol import roster_lookup_hash
from sync.server.contacts.passes import project
from sync.server.contacts.queries import WORD_BITS
from sync.server.contacts.tables import pass_gates
from sync.server.contacts.tracing import ContactQuery, Keys, find_contacts, iso_ms
from sync.server.context import ServerContext
from sync.server.devices.device_secrets import community_lookup_key
from sync.server.devices.tables import devices

DAY, MIN = 86_400_000, 60_000
T0 = int(datetime(2026, 11, 10, tzinfo=UTC).timestamp() * 1000)
GATES = {"g1": "default", "g2": "default", "g3": "default", "e1": "east"}  # gate -> community


@dataclass(frozen=True)
class Pass:
    gate: str
    at: int
    direction: str
    who: int | None  # the person's index; None: a pass naming nobody
    digest: str | None


def person_id(n: int) -> str:
    first = f"11010119850101{n:03d}"
    return first + check_digit(first)


def _generate(ctx: ServerContext, people: int = 40, n: int = 700, seed: int = 5) -> list[Pass]:
    """Passes 08:00-18:00 UTC on four days, whole minutes (ties and exact ±window gaps happen), 6% by nobody;
    and a few planted at the window's edges around person 0."""
    rng = random.Random(seed)
    keys = {c: community_lookup_key(ctx.lookup_master, c) for c in set(GATES.values())}
    out = []
    for _ in range(n):
        gate = rng.choice(sorted(GATES))
        who = None if rng.random() < 0.06 else rng.randrange(people)
        digest = None if who is None else roster_lookup_hash(keys[GATES[gate]], "id", person_id(who))
        at = T0 + rng.randrange(4) * DAY + rng.randrange(8 * 60, 18 * 60) * MIN
        out.append(Pass(gate, at, rng.choice(["in", "out"]), who, digest))
    x, y = T0 + DAY + 12 * 60 * MIN, T0 + 2 * DAY + 10 * 60 * MIN  # planted at the edges, people 40-45 only here
    planted = [("g2", x, 0), ("g2", x + 15 * MIN, 40), ("g2", x - 15 * MIN, 41), ("g2", x + 16 * MIN, 42),
               ("g3", y, 40), ("g3", y + 30 * MIN, 40),  # a close contact's two windows touch at y + 15
               ("g3", y + 15 * MIN, 43), ("g3", y + 45 * MIN, 44), ("g3", y + 46 * MIN, 45)]
    out += [Pass(g, at, "in", w, roster_lookup_hash(keys["default"], "id", person_id(w))) for g, at, w in planted]
    return out


def _load(ctx: ServerContext, data: list[Pass]) -> None:
    box = SealedBox(PrivateKey(ctx.identity_private).public_key)
    seal = lambda s: base64.urlsafe_b64encode(box.encrypt(s.encode())).rstrip(b"=").decode()  # noqa: E731
    by_gate: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for i, p in enumerate(data):
        ident = None if p.who is None else {
            "hash": p.digest, "sealed": seal(person_id(p.who)), "name_sealed": seal(f"人{p.who}"), "source": "id-number",
            "id_masked": mask_id(person_id(p.who)), "name_masked": mask_name(f"人{p.who}")}
        created = datetime.fromtimestamp(p.at / 1000, UTC).isoformat()
        by_gate[p.gate].append((f"00000000-0000-7000-8000-{i:012d}", "gate_entry", created,
                                json.dumps({"direction": p.direction, "identity": ident})))
    with ctx.engine.begin() as conn:  # 60 gates numbered before: these four straddle two words of gate bits
        conn.execute(insert(pass_gates), [{"gate": f"old-{i}"} for i in range(WORD_BITS - 2)])
        conn.execute(insert(devices).values(device_id="e1", label="", secret="x", enrolled_at="2026-11-01T00:00:00+00:00",
                                            disabled=False, anchor_hash="0" * 64, verified_hash="0" * 64, community="east"))
        for gate, recs in by_gate.items():
            for k in range(0, len(recs), 50):  # batches of 50, as ingest projects them
                project(conn, GATES[gate], gate, recs[k:k + 50])


def _reference(data: list[Pass], who: int, q: ContactQuery) -> dict[str, Any]:
    """The definition, pass by pass. Entries per person hash (a person seen in two communities is two)."""
    def show(p: Pass) -> dict[str, str]:
        assert p.who is not None
        return ({"id_number": person_id(p.who), "name": f"人{p.who}"} if q.full else
                {"id_number": mask_id(person_id(p.who)), "name": mask_name(f"人{p.who}")})

    def near(a: Pass, b: Pass) -> bool:
        return a.gate == b.gate and abs(a.at - b.at) <= q.window_ms

    def in_period(p: Pass) -> bool:
        return q.start_ms <= p.at <= q.end_ms and (q.gates is None or p.gate in q.gates)

    anchors = sorted((p for p in data if p.who == who and in_period(p)), key=lambda p: p.at)
    close: dict[str, list[tuple[Pass, Pass]]] = defaultdict(list)
    unidentified: dict[tuple[str, int], int] = defaultdict(int)
    for a in anchors:
        for c in data:
            if near(a, c) and c.who is None:
                unidentified[(a.gate, a.at)] += 1
            elif near(a, c) and c.who != who:
                close[str(c.digest)].append((a, c))
    secondary: dict[str, list[Pass]] = defaultdict(list)
    theirs = [p for p in data if p.digest in close and in_period(p)]
    for x in data:
        if x.who is not None and x.who != who and x.digest not in close and any(near(x, p) for p in theirs):
            secondary[str(x.digest)].append(x)
    return {
        "person": {"id_number": person_id(who) if q.full else mask_id(person_id(who)), "name": f"人{who}" if q.full else mask_name(f"人{who}"),
                   "passes": [{"gate": a.gate, "at": iso_ms(a.at), "direction": a.direction} for a in anchors]},
        "close": sorted(({**show(pairs[0][1]), "passes": sorted({(c.at, c.gate, c.direction) for _, c in pairs}),
                          "overlaps": sorted((a.gate, iso_ms(a.at), a.direction, iso_ms(c.at), round((c.at - a.at) / MIN, 2))
                                             for a, c in pairs)} for pairs in close.values()),
                        key=lambda e: (e["id_number"], e["passes"])),
        "secondary": [{**show(ps[0]), "passes_near": len(ps), "first_at": iso_ms(min(p.at for p in ps)),
                       "last_at": iso_ms(max(p.at for p in ps)), "gates": sorted({p.gate for p in ps})}
                      for h, ps in sorted(secondary.items(), key=lambda kv: (min(p.at for p in kv[1]), kv[0]))] if q.depth == 2 else [],
        "unidentified": sorted((g, iso_ms(at), n) for (g, at), n in unidentified.items()),
    }


def _comparable(got: dict[str, Any]) -> dict[str, Any]:
    """The answer in the reference's shape. Close entries sorted by who and passes (two may tie in first-pass
    time and come in either order, so that order is checked apart), passes and overlaps as sorted tuples."""
    firsts = [e["passes"][0]["at"] for e in got["close"]]
    assert firsts == sorted(firsts)  # close contacts in the order of their first pass
    close = [{"id_number": e["id_number"], "name": e["name"],
              "passes": sorted((_ms(p["at"]), p["gate"], p["direction"]) for p in e["passes"]),
              "overlaps": sorted((o["gate"], o["person_at"], o["person_direction"], o["contact_at"], o["minutes_apart"])
                                 for o in e["overlaps"])} for e in got["close"]]
    return {"person": got["person"], "close": sorted(close, key=lambda e: (e["id_number"], e["passes"])),
            "secondary": got["secondary"], "unidentified": sorted((u["gate"], u["around"], u["count"]) for u in got["unidentified"])}


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def test_the_answer_equals_a_plain_computation_from_the_passes(ctx: ServerContext) -> None:
    data = _generate(ctx)
    _load(ctx, data)
    keys = Keys(ctx.lookup_master, ctx.identity_private, ctx.data_key)
    start, end = T0 + DAY + 9 * 60 * MIN, T0 + 3 * DAY  # days 2 and 3 from 09:00: passes before and after it exist
    cases = [(who, window, depth, full, gates) for who in (0, 7, 19, 33) for window, depth, full, gates in
             ((15, 2, False, None), (15, 1, False, None), (5, 2, False, frozenset({"g1", "g3", "e1"})))] + [(11, 15, 2, True, None)]
    secondaries = 0
    for who, window, depth, full, gates in cases:
        q = ContactQuery(person_id(who), start, end, window * MIN, depth, full, gates)
        with ctx.engine.connect() as conn:
            got = find_contacts(conn, keys, q)
        want = _reference(data, who, q)
        assert _comparable(got) == want, (who, window, depth, full, gates)
        if (who, window, depth) == (0, 15, 2):  # the planted edges, as the reference counts them
            near = {e["id_number"]: e["passes_near"] for e in want["secondary"]}
            assert (near.get(mask_id(person_id(43))), near.get(mask_id(person_id(44))), mask_id(person_id(45)) in near) == (1, 1, False)
        secondaries += len(want["secondary"])
        assert got["query"] == {"from": iso_ms(start), "to": iso_ms(end), "window_minutes": window, "depth": depth, "full": full}
    assert secondaries > 100  # the data set is busy enough for depth 2 to mean something
