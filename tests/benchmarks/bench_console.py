"""Community console benchmark (issue 13): the overview and daily report pages over 1,000,000 records
from 50 gates on PostgreSQL, and an alert's way from a kiosk's commit to the open console.

The history is bulk-loaded with COPY (tests/benchmarks/console_data.py: records shaped as kiosks
upload them, hash-chained) into a throwaway database behind a real `kiosk-central serve`; one of the
50 gates is a real kiosk (store + the project's sync worker) that uploads its own records. Pages are
fetched by a signed-in staff account; the alert is watched in Debian's chromium (Playwright) on the
overview, whose script polls the feed every second.

Run: .venv/bin/python tests/benchmarks/bench_console.py [--records 1000000] [--gates 50] [--days 14]
     [--requests 200] [--alerts 10] [--workers 2]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.config import load_config  # noqa: E402
from kiosk.store.db import open_store  # noqa: E402
from sync.factory import make_link, make_uploader  # noqa: E402
from sync.provision import provision  # noqa: E402
from sync.server.console import figures  # noqa: E402
from sync.server.console.cli_users import add_community, add_user, assign_gate  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.worker import SyncWorker  # noqa: E402
from tests.benchmarks import console_data  # noqa: E402
from tests.server.central import Central, create_pg_database, drop_pg_database, enrol_body, start_central  # noqa: E402

PASSWORD = "bench console password"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def sign_in(base: str, name: str) -> requests.Session:
    s = requests.Session()
    form = s.get(base + "/console/login", timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, "no sign-in token on the form"
    resp = s.post(base + "/console/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)}, timeout=30, allow_redirects=False)
    assert resp.status_code == 303, (resp.status_code, resp.text[:300])
    return s


def timed(s: requests.Session, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = s.get(url, timeout=60)
        out.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, (resp.status_code, resp.text[:300])
    return out


def build(central: Central, pg_dsn: str, args: argparse.Namespace, tmp: Path) -> tuple[str, str, object]:
    """Gates, a community, a staff account, the bulk history and the real kiosk's own uploads."""
    engine = make_engine(central.db_url)
    codes = [d["enroll_code"] for d in json.loads(central.cli("device", "add", "--count", str(args.gates), "--json").stdout)]
    gates = []
    for code in codes[:-1]:  # bulk gates: enrolled over HTTP like any kiosk, history loaded below
        journal = str(uuid.uuid4())
        resp = requests.post(central.url + "/v1/enroll", json=enrol_body(code, journal), timeout=30)
        resp.raise_for_status()
        gates.append(console_data.Gate(resp.json()["device_id"], journal))
    env = {"KIOSK_STORE_DATA_DIR": str(tmp / "kiosk"), "KIOSK_SYNC_SERVER_URL": central.url}
    cfg = load_config(env=env)
    store = open_store(cfg.db_path)
    creds, _ = provision(store, cfg.data_dir, central.url, codes[-1], label="real gate")
    community = "bench"
    with engine.begin() as conn:
        add_community(conn, community, "基准社区")
        for g in [*(g.device_id for g in gates), creds.device_id]:
            assign_gate(conn, community, g)
        add_user(conn, "staff1", "staff", PASSWORD, [community])
    engine.dispose()

    now = datetime.now(UTC)
    bulk = args.records - args.kiosk_records
    per = [bulk // len(gates) + (1 if i < bulk % len(gates) else 0) for i in range(len(gates))]
    print(f"loading {bulk:,} records for {len(gates)} gates over {args.days} days with COPY ...", flush=True)
    took = console_data.load(pg_dsn, gates, per, now - timedelta(days=args.days), now)
    print(f"  COPY {took['copy_s']:.0f} s, with VACUUM ANALYZE {took['total_s']:.0f} s", flush=True)

    # The real kiosk: its own records (gate entries written today) go up through its sync worker.
    with store.writing() as w:
        for i in range(args.kiosk_records):
            w.append("gate_entry", {"direction": "in" if i % 2 else "out", "person_kind": "resident", "outcome": "pass", "colour": "green",
                                    "id_masked": "1101**********0012", "temperature": {"verdict": "normal", "readings": []}, "reasons": [], "mode": "normal"})
    uploader = make_uploader(cfg, store, make_link(cfg, creds, store))
    worker = SyncWorker(store, uploader, None, interval_s=cfg["sync.interval_s"], pull_interval_s=cfg["sync.pull_interval_s"],
                        retention_days=cfg["store.retention_days"])
    t0 = time.perf_counter()
    left = worker.run_round(max_wait_s=30).unsent
    assert left == 0, f"{left} kiosk records not uploaded"
    print(f"  real kiosk uploaded {args.kiosk_records:,} records in {time.perf_counter() - t0:.1f} s", flush=True)
    with psycopg.connect(pg_dsn) as conn:
        total = conn.execute("select count(*) from records").fetchone()[0]  # type: ignore[index]
    print(f"  records stored: {total:,}", flush=True)
    return community, creds.device_id, (store, worker)


def catch_up(base: str, s: requests.Session, pg_dsn: str) -> tuple[float, int]:
    """The console reads alerts past a watermark: the first loads after a bulk import work the backlog off."""
    t0, n = time.perf_counter(), 0
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        newest = conn.execute("select max(received_at) from records").fetchone()[0]  # type: ignore[index]
        while True:
            s.get(base + "/console/alerts/feed", timeout=120).raise_for_status()
            n += 1
            mark = conn.execute("select value from console_state where key = 'alerts_scanned_through'").fetchone()
            if mark and datetime.fromisoformat(mark[0]) >= datetime.fromisoformat(newest) - timedelta(seconds=60):
                return time.perf_counter() - t0, n


def alert_latency(base: str, kiosk: tuple[object, SyncWorker], n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    store, worker = kiosk
    worker.start()
    out = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.goto(base + "/console/login")
            page.fill("input[name=name]", "staff1")
            page.fill("input[name=password]", PASSWORD)
            page.click("form[action='/console/login'] button[type=submit]")
            page.wait_for_selector("#alert-feed")
            rng = random.Random(1)
            for i in range(n):
                time.sleep(rng.uniform(0.5, 1.5))  # land anywhere within the page's 1 s poll
                with store.writing() as w:  # type: ignore[attr-defined]  # what the gate service commits on a confirmed fever
                    e = w.append("gate_entry", {"direction": "in", "person_kind": "resident", "outcome": "deny", "colour": "green",
                                                "id_masked": "1101**********0012", "reasons": ["fever-confirmed"], "mode": "normal",
                                                "temperature": {"verdict": "fever-confirmed", "readings": [{"value_c": 38.2}]}})
                    a = w.append("alert", {"kind": "fever-confirmed", "entry_uuid": e.uuid, "message": f"bench fever {i}"})
                t0 = time.perf_counter()
                worker.notify()
                page.wait_for_selector(f'#alert-feed li[data-uuid="{a.uuid}"]', state="attached", timeout=30_000)
                out.append((time.perf_counter() - t0) * 1000)
                print(f"  alert {i + 1}: {out[-1]:.0f} ms", flush=True)
            browser.close()
    finally:
        worker.stop()
    return out


def check_report(s: requests.Session, base: str, pg_dsn: str, community: str, day: date) -> None:
    """The report's figures are the data's: the CSV's combined entries equal a direct count."""
    csv_text = s.get(base + "/console/reports/download", params={"community": community, "day": day.isoformat(), "fmt": "csv"}, timeout=60).text
    total = next(line for line in csv_text.splitlines() if line.startswith("total")).split(",")
    start, end = figures.day_window(day)
    with psycopg.connect(pg_dsn) as conn:
        want = conn.execute("select count(*) from records where kind = 'gate_entry' and created_at >= %s and created_at < %s"
                            " and body::jsonb->>'outcome' = 'pass' and body::jsonb->>'direction' = 'in'", (start, end)).fetchone()[0]  # type: ignore[index]
    assert int(total[1]) == want and want > 0, (total, want)
    print(f"  report check {day}: {want:,} entries on the page's CSV and in the database", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--gates", type=int, default=50)
    ap.add_argument("--days", type=int, default=14, help="the history spans this many days up to now")
    ap.add_argument("--kiosk-records", type=int, default=2000, help="of the records, how many the real kiosk uploads itself")
    ap.add_argument("--requests", type=int, default=200, help="timed requests per page")
    ap.add_argument("--alerts", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the database (prints its URL) for EXPLAIN ANALYZE")
    args = ap.parse_args()

    print(f"load average at start: {os.getloadavg()}", flush=True)
    pg_url = create_pg_database()
    pg_dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    tmp = Path(tempfile.mkdtemp(prefix="bench-console-"))
    central = start_central(tmp / "central", pg_url, workers=args.workers)
    try:
        community, _, kiosk = build(central, pg_dsn, args, tmp)
        s = sign_in(central.url, "staff1")
        took, n = catch_up(central.url, s, pg_dsn)
        print(f"alert backlog after the bulk import read in {took:.1f} s over {n} feed requests", flush=True)
        today = figures.today()
        check_report(s, central.url, pg_dsn, community, today - timedelta(days=1))
        pages = {
            "overview /console/": central.url + "/console/",
            "daily report, today": f"{central.url}/console/reports?community={community}&day={today.isoformat()}",
            "daily report, yesterday (full day)": f"{central.url}/console/reports?community={community}&day={(today - timedelta(days=1)).isoformat()}",
            "alert feed fragment": central.url + "/console/alerts/feed",
            "key persons page, today": central.url + "/console/keypersons",
        }
        results = {}
        for url in pages.values():
            timed(s, url, 5)  # warm
        for name, url in pages.items():
            ms = timed(s, url, args.requests)
            results[name] = ms
            print(f"{name:<36} median {statistics.median(ms):6.0f} ms  p95 {pct(ms, 95):6.0f} ms  ({len(ms)} requests; load {os.getloadavg()[0]:.1f})", flush=True)
        lat = alert_latency(central.url, kiosk, args.alerts)
        print(f"alert from kiosk commit to the open console: median {statistics.median(lat):.0f} ms, max {max(lat):.0f} ms over {len(lat)} alerts")
        print("\n| page | requests | median | p95 |\n| --- | --- | --- | --- |")
        for name, ms in results.items():
            print(f"| {name} | {len(ms)} | {statistics.median(ms):.0f} ms | {pct(ms, 95):.0f} ms |")
        print(f"| alert, kiosk commit → open console | {len(lat)} alerts | {statistics.median(lat):.0f} ms | max {max(lat):.0f} ms |")
        print(f"load average at end: {os.getloadavg()}")
    finally:
        central.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.keep:
            print(f"database kept: {pg_dsn}")
        else:
            drop_pg_database(pg_url)


if __name__ == "__main__":
    main()
