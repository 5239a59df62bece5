"""Workflow benchmark (issue 5): a full gate pass in the service layer, and the daily report
over a day of 5,000 entries in a 1,000,000-record database.

A gate pass = verify a real cn-signed (HCN1:, ES256) code with the verifier
(kiosk.domain.codes.verify), assess the temperature, decide, and commit the record with
its outbox row, temperature record and projections (synchronous=FULL), as GateService
does for the UI. Verify alone and decide alone are timed side by side in the same run.

Run: .venv/bin/python tests/benchmarks/bench_gate.py [--passes 1000] [--records 1000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import uuid6

from kiosk.config import load_config
from kiosk.domain.codes import TrustStore, VerifyContext, verify
from kiosk.domain.codes.cn_signed import generate_issuer_key, issue_cn_signed
from kiosk.domain.models import Mode
from kiosk.domain.policy import GateFacts, decide
from kiosk.domain.temperature import Measurement, Method, Verdict
from kiosk.service.gate import GateService
from kiosk.service.reports import Reports
from kiosk.store.db import open_store
from sync.protocol.chain import GENESIS_HASH, canonical_json, record_hash

ISSUER = "示范区健康码中心"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def line(name: str, ms: list[float]) -> str:
    return f"  {name:<44} p50 {statistics.median(ms):6.2f} ms   p95 {pct(ms, 95):6.2f} ms   max {max(ms):6.2f} ms"


def bench_pass(tmp: Path, n: int) -> None:
    key = generate_issuer_key()
    trust = TrustStore.from_bundle({"cn_issuers": [{"kid": key.kid_b64, "public_key": key.public_pem(), "issuer": ISSUER}], "dsc": [], "revoked": {}})
    ctx = VerifyContext(trust=trust)
    now = dt.datetime.now(dt.UTC)
    codes = [
        issue_cn_signed(code_id=f"C-{i:05d}", colour="green", holder_name="张三丰", id_number="11010519491231002X",
                        issuer=ISSUER, issued_at=now - dt.timedelta(hours=1), expires_at=now + dt.timedelta(days=1),
                        private_key=key.private_key, kid=key.kid)
        for i in range(n)
    ]
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(tmp / "gate")})
    store = open_store(cfg.db_path)
    gate = GateService(store, cfg, lambda p: verify(p, ctx))
    gate.duty.add_guard("值守甲", "010-12345678", "2580")
    gate.duty.sign_in("值守甲", "2580")
    uid = add_roster(store, gate.vault, ROSTER)
    gate.set_mode(Mode.LOCKDOWN, by="bench")  # the holder must be matched to the roster for a pass
    readings = (Measurement(36.5, Method.INFRARED),)
    for code in codes[:20]:  # warm-up: imports, caches, the WAL file
        gate.admit(gate.check(code), readings)
    full, chk, adm, ver, dec = [], [], [], [], []
    for code in codes:
        t = time.perf_counter()
        result = verify(code, ctx)
        ver.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        decide(GateFacts(result, Verdict.NORMAL))
        dec.append((time.perf_counter() - t) * 1000)
        t0 = time.perf_counter()
        checked = gate.check(code)
        t1 = time.perf_counter()
        out = gate.admit(checked, readings)
        t2 = time.perf_counter()
        chk.append((t1 - t0) * 1000)
        adm.append((t2 - t1) * 1000)
        full.append((t2 - t0) * 1000)
        assert out.decision.outcome.value == "pass" and out.person and out.person.uuid == uid, out.decision
    assert store.check() == []
    store.close()
    print(f"gate pass, n={n} distinct cn-signed codes, lockdown, {ROSTER} residents on the roster, one temperature"
          " reading, synchronous=FULL:")
    print(line("check + admit (verify, roster match, decide, commit)", full))
    print(line("  check (verify + roster match by masked identity)", chk))
    print(line("  admit (decide + commit 2 records)", adm))
    print(line("  of which verify (ES256, COSE, CBOR)", ver))
    print(line("  of which decide (pure policy)", dec))
    print(f"  ratio check+admit / verify at p50: {statistics.median(full) / statistics.median(ver):.1f}")


ROSTER = 2000


def add_roster(store: object, vault: object, n: int) -> str:
    """n residents as the bundle puts them (masked forms, look-up hashes); the code's holder among them."""
    from kiosk.domain.identity import check_digit
    from kiosk.service.people import save_person

    holder = ""
    with store.writing() as w:  # type: ignore[attr-defined]
        for i in range(n):
            body = f"110105{1950 + i % 50}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
            number = "11010519491231002X" if i == n // 2 else body + check_digit(body)
            name = "张三丰" if i == n // 2 else f"居民{i}"
            uid, _ = save_person(w.db, vault, kind="resident", name=name, now="2026-11-01T00:00:00+00:00",
                                 id_type="cn-id", id_number=number, phone="", building=str(1 + i % 20),
                                 unit=str(1 + i % 4), room=str(100 + i % 30), source="bundle")
            if i == n // 2:
                holder = uid
    return holder


GATE_COLS = ("record_uuid, seq, created_at, direction, person_kind, code_format, code_status, code_colour, colour_source,"
             " temperature_c, fever_confirmed, outcome, reasons, guard, lane, key_group")


def build_big(path: Path, records: int, per_day: int) -> dt.date:
    """A valid hash chain of gate_entry records (same hash function), bulk-inserted."""
    store = open_store(path)
    device, db = store.device_id, store.db
    rng = random.Random(5)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    step = 86400 / per_day
    prev = GENESIS_HASH
    journal, outbox, entries = [], [], []

    def flush() -> None:
        db.conn.executemany("insert into journal values (?,?,?,?,?,?,?)", journal)
        db.conn.executemany("insert into outbox (seq, state) values (?, 'sent')", outbox)
        db.conn.executemany(f"insert into gate_entries ({GATE_COLS}) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", entries)  # noqa: S608
        journal.clear(), outbox.clear(), entries.clear()

    db.execute("pragma synchronous = off")  # the build only; the kiosk itself never does this
    with db.atomic():
        for seq in range(1, records + 1):
            created = (start + dt.timedelta(seconds=seq * step)).isoformat(timespec="microseconds")
            uid = str(uuid6.uuid7())
            r = rng.random()
            colour = "green" if r < 0.97 else ("yellow" if r < 0.99 else "red")
            fever = rng.random() < 0.001
            outcome = "deny" if colour == "red" or fever else ("review" if colour == "yellow" else "pass")
            direction = "in" if seq % 2 else "out"
            reasons = json.dumps(["code-red"] if colour == "red" else [])
            body = canonical_json({"direction": direction, "outcome": outcome, "colour": colour, "lane": "scan"})
            digest = record_hash(device, seq, uid, "gate_entry", created, body, prev)
            journal.append((seq, uid, "gate_entry", created, body, prev, digest))
            outbox.append((seq,))
            entries.append((uid, seq, created, direction, rng.choice(["resident"] * 9 + ["visitor"]), "cn-signed", "valid",
                            colour, "signed", 36.5, int(fever), outcome, reasons, "值守甲", "scan", int(rng.random() < 0.01)))
            prev = digest
            if len(journal) == 50_000:
                flush()
        if journal:
            flush()
        db.execute("update device_state set last_seq = ?, last_hash = ?", [records, prev])
    db.execute("pragma wal_checkpoint(truncate)")
    store.close()
    return (start + dt.timedelta(days=(records // per_day) // 2)).date()


def bench_report(tmp: Path, records: int, per_day: int, verify_chain: bool) -> None:
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(tmp / "big")})
    t = time.perf_counter()
    day = build_big(cfg.db_path, records, per_day)
    print(f"built {records:,} chained records ({per_day:,}/day) in {time.perf_counter() - t:.1f} s; "
          f"db {cfg.db_path.stat().st_size / 1e6:.0f} MB")
    store = open_store(cfg.db_path)
    reports = Reports(store, cfg)
    times = []
    for _ in range(21):
        t = time.perf_counter()
        report = reports.compute(day)
        times.append((time.perf_counter() - t) * 1000)
    print(f"daily report for {day} (Asia/Shanghai day): {report.entries_in + report.entries_out:,} entries, kind {report.kind}")
    print(line("Reports.compute (group query + arithmetic), 21 runs", times))
    if verify_chain:
        t = time.perf_counter()
        assert store.chain_problem() is None
        print(f"  chain verified: {records:,} records in {time.perf_counter() - t:.1f} s")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", type=int, default=1000)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--per-day", type=int, default=5000)
    ap.add_argument("--no-chain-check", action="store_true")
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        bench_pass(Path(tmp), args.passes)
        if args.records > 0:  # --records 0: the gate pass only
            bench_report(Path(tmp), args.records, args.per_day, not args.no_chain_check)


if __name__ == "__main__":
    main()
