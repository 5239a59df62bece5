"""`kiosk-central` listings as an admin reads them: gates by label and short id, local times,
no `None`, aligned columns, --json with the same fields, sync-log filters, last contact and lag."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sync.protocol import new_device_secret
from sync.server.records.listing import short_id
from tests.server.central import Central, Kiosk, batch_headers, new_store

PATH_BATCHES = "/v1/batches"
LOCAL = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _labelled(central: Central, tmp_path: Path, label: str) -> Kiosk:
    code = json.loads(central.cli("device", "add", "--label", label, "--json").stdout)["enroll_code"]
    central.codes.append(code)  # enrol() takes the newest code
    return central.enrol(new_store(tmp_path))


def _columns(line: str) -> list[int]:
    """Where each column starts in a table line (2+ spaces separate columns)."""
    return [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", line)]


def test_listings_name_gates_show_local_times_and_filter(central: Central, tmp_path: Path) -> None:
    east, west = _labelled(central, tmp_path, "东门 East"), _labelled(central, tmp_path, "West gate")
    assert east.send(east.append(3)).status_code == 200
    assert west.send(west.append(2)).status_code == 200
    bid, body = west.batch_body(west.append(1))
    assert west.post(PATH_BATCHES, body, headers=batch_headers(bid), secret=new_device_secret()).status_code == 401
    # a signed batch the server refuses (its Idempotency-Key differs from the envelope): logged under the gate
    assert west.post(PATH_BATCHES, body, headers=batch_headers(str(uuid.uuid4()))).status_code == 422
    # --- sync-log: label and short id, local time, nothing printed as None, columns aligned
    text = central.cli("sync-log", "--limit", "50").stdout
    assert "None" not in text
    assert short_id("2f1c9a7e-0c4b-4d9e-9f55-1a2b3c4d5e6f") == "2f1c9a7e" and short_id(east.device_id) == east.device_id  # gate-<12 hex>
    lines = [ln for ln in text.splitlines() if short_id(east.device_id) in ln or short_id(west.device_id) in ln]
    assert any("东门 East" in ln and short_id(east.device_id) in ln for ln in lines)
    assert all(LOCAL.match(ln) for ln in lines)
    header = text.splitlines()[0]
    assert header.split()[:4] == ["time", "gate", "device", "endpoint"]
    # local time: the newest row's time is the server's UTC time shown in Asia/Shanghai
    js = json.loads(central.cli("sync-log", "--json", "--limit", "50").stdout)
    newest = datetime.fromisoformat(js[0]["at"])
    assert newest.utcoffset() == timedelta(hours=8)
    assert abs((datetime.now(ZoneInfo("UTC")) - newest).total_seconds()) < 120
    assert set(js[0]) >= {"at", "gate", "device", "endpoint", "status", "outcome", "records", "message", "device_id"}
    # aligned: the column starts of the header match those of the rows (CJK counted double-width)
    from rich.cells import cell_len

    def starts(line: str) -> list[int]:
        return [cell_len(line[:i]) for i in _columns(line)]

    row = next(ln for ln in lines if "东门 East" in ln)
    assert starts(header)[:3] == starts(row)[:3]
    # filters: by gate (label or short id), outcome, and time
    only_west = json.loads(central.cli("sync-log", "--gate", "west gate", "--json").stdout)
    assert only_west and {r["gate"] for r in only_west} == {"West gate"}
    assert json.loads(central.cli("sync-log", "--gate", east.device_id[:10], "--json").stdout)[0]["gate"] == "东门 East"
    parked = json.loads(central.cli("sync-log", "--outcome", "parked", "--json").stdout)
    assert parked and all(r["outcome"] == "parked" and r["status"] >= 400 for r in parked)
    west_parked = json.loads(central.cli("sync-log", "--outcome", "parked", "--gate", "West gate", "--json").stdout)
    # the refused batch is the gate's; the 401 (a bad signature: not provably this gate) is logged
    # apart (/admin/refused), never under the id it claimed
    assert [(r["status"], r["endpoint"]) for r in west_parked] == [(422, "batches")]
    assert json.loads(central.cli("sync-log", "--outcome", "refused", "--gate", "West gate", "--json").stdout) == []
    assert all(r["outcome"] == "ok" for r in json.loads(central.cli("sync-log", "--outcome", "ok", "--json").stdout))
    assert json.loads(central.cli("sync-log", "--since", "2999-01-01", "--json").stdout) == []
    assert json.loads(central.cli("sync-log", "--until", "2000-01-01", "--json").stdout) == []
    bad = central.cli("sync-log", "--since", "yesterday", check=False)
    assert bad.returncode == 2 and "--since 'yesterday' is not a date" in bad.stderr
    assert central.cli("sync-log", "--outcome", "fine", check=False).returncode == 2
    # --timezone: the same rows in another zone
    utc = json.loads(central.cli("sync-log", "--json", "--limit", "1", "--timezone", "UTC").stdout)[0]
    assert datetime.fromisoformat(utc["at"]).utcoffset() == timedelta(0)
    assert central.cli("sync-log", "--timezone", "Mars/Olympus", check=False).returncode == 2


def test_device_list_and_records_count_show_last_contact_and_upload_lag(central: Central, tmp_path: Path) -> None:
    gate = _labelled(central, tmp_path, "North 北门")
    never = _labelled(central, tmp_path, "")  # enrolled, nothing sent, no label
    assert gate.send(gate.append(4)).status_code == 200
    listed = {d["device_id"]: d for d in json.loads(central.cli("device", "list", "--json").stdout)}
    mine = listed[gate.device_id]
    assert mine["gate"] == "North 北门" and mine["device"] == short_id(gate.device_id) and mine["records"] == 4
    assert datetime.fromisoformat(mine["last_contact"]).utcoffset() == timedelta(hours=8)
    assert 0 <= mine["upload_lag_s"] < 60 and mine["upload_lag"].endswith(" s")
    assert listed[never.device_id]["upload_lag_s"] is None and listed[never.device_id]["gate"] == ""
    text = central.cli("device", "list").stdout
    assert "None" not in text and "last contact" in text and "upload lag" in text
    row = next(ln for ln in text.splitlines() if gate.device_id in ln)
    assert "North 北门" in row and LOCAL.search(row) and "active" in row
    blank = next(ln for ln in text.splitlines() if never.device_id in ln)
    assert blank.split()[0] == never.device_id  # an empty label is left empty (no "None", no "''")
    counts = json.loads(central.cli("records", "count", "--json").stdout)
    assert {r["device_id"]: r["records"] for r in counts}[gate.device_id] == 4
    text = central.cli("records", "count", "--gate", "north 北门").stdout
    assert "North 北门" in text and "upload lag" in text and text.rstrip().endswith("total  4")
    assert central.cli("records", "count", "--device", gate.device_id).stdout.strip() == "4"
