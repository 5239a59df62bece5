"""The admin tabs in a real window, filled with a generated day (tests/ui/day_of_data.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

Run = Callable[..., dict[str, Any]]
# the main scenarios at each of the kiosk's shapes: the test command's 1280x800 screen,
# a 1080x1920 totem and a 800x1280 tablet standing up (each on an X screen of its own)
SHAPES = pytest.mark.parametrize("window", [None, "1080x1920", "800x1280"], ids=["1280x800", "1080x1920", "800x1280"])


@SHAPES
def test_admin_tabs_with_a_day_of_data(run_scenario: Run, open_db: Callable[..., Any], window: str | None) -> None:
    r = run_scenario("admin_day", window=window)
    f = r["facts"]
    assert f["small"] == [], "\n".join(f["small"])  # every button on every tab at least 15 mm
    # status card: the shared sync status in words (the last attempt was a 429 after the last upload)
    st = f["status"]
    assert {k: v[0] for k, v in f["card"].items()} == {  # and the card shows just that
        "sync_state": st["state"], "last_upload": st["upload"], "last_pull": st["pull"], "pending_count": st["pending"],
        "parked_count": st["parked"], "oldest": st["oldest"], "skew": st["skew"], "bundle": st["bundle"]}
    assert all(v[2][0] > 0 for v in f["card"].values())  # drawn, not blank
    assert st["state"] == "未注册：离线工作" and st["state_colour"] == "WARN_TEXT"  # this test kiosk has no credentials
    assert st["upload"].startswith("上次上传：") and st["pull"].startswith("上次下载：") and st["upload"] != st["pull"]
    assert st["pending"] == "待上传：37" and st["parked"] == "已搁置：3"
    assert st["skew"] == "时钟偏差：+1.4 s" and st["oldest"].startswith("最早待上传：")
    # the table: newest first, every outcome with its mark and colour, no 'None' anywhere
    rows = f["rows"]
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)
    assert rows[0]["outcome"] == "↻ 重试" and rows[0]["message"].startswith("HTTP 429") and rows[0]["colour"] == "WARN_TEXT"
    looks = {r["outcome"]: r["colour"] for r in rows}
    assert looks == {"✓ 成功": "OK_TEXT", "↻ 重试": "WARN_TEXT", "■ 已搁置": "PARKED_TEXT", "✕ 被拒绝": "REFUSED_TEXT"}
    parked = next(r for r in rows if r["outcome"] == "■ 已搁置")
    assert parked["direction"] == "上传" and parked["records"] == "3" and "422" in parked["message"]
    assert not any("None" in str(v) for r in rows for v in r.values())
    assert f["table_children"] >= 5  # the RecycleView drew rows
    assert f["retry_rows"] == ["↻ 重试"] * 3  # the filter keeps only retries
    # pending: grouped by kind with the oldest; the parked ones say why
    (kind,) = f["pending_kinds"]
    assert kind["kind"] == "通行记录" and kind["count"] == "40" and kind["parked"] == "3 条已搁置"
    assert f["pending_cells"][:2] == ["通行记录", "40"]
    assert len(f["parked_rows"]) == 3 and all("422" in p["error"] for p in f["parked_rows"])
    # retry parked asks first; cancelling keeps them parked, confirming queues them again
    assert "3" in f["question"] and f["parked_after_cancel"] == 3
    assert f["sync_message"] == "3 条已搁置记录已重新排队"
    store = open_db(r["data_dir"])
    assert store.db.execute("select count(*) from outbox where state = 'failed'").fetchone()[0] == 0
    # daily report: kind in large type, figures from the generated day, hourly bars drawn
    counts, c = f["report"], f["generated"]
    assert counts["kind"] == "日报告" and not counts["zero"]
    figures = dict(map(tuple, f["report"]["figures"]))
    assert figures["进入人次"] == str(c["today"]["in"]) and figures["外出人次"] == str(c["today"]["out"])
    assert figures["确认发热"] == str(c["today"]["fever"]) and figures["人工放行"] == str(c["today"]["overrides"])
    codes = dict(map(tuple, counts["codes"]))
    assert codes["红码"] == str(c["today"]["red"]) and codes["黄码"] == str(c["today"]["yellow"])
    key = dict(map(tuple, counts["key"]))
    assert int(key["冷链从业人员"]) == c["today"]["key"] > 0 and len(counts["people"]) == c["today"]["key"]
    assert all("***" in p for p in counts["people"])  # masked
    assert f["hourly"] == c["today"]["by_hour"]
    assert f["chart_peak"] == max(max(p) for p in c["today"]["by_hour"])
    tallest = max(f["chart_bars"], key=lambda b: b[5])
    assert tallest[5] > 0.5 * f["chart_size"][1]  # the busiest hour's bar fills most of the chart
    assert f["yesterday_hourly"] == c["yesterday"]["by_hour"]
    # every label and line of the card in full at every shape (需人工核查 was cut to 需人工… beside its number)
    assert "需人工核查" in f["report_texts"] and "解除医学观察或康复人员" in f["report_texts"]
    assert f["report_cut"] == [], "\n".join(f["report_cut"])
    assert f["report_cut_elderly"] == [], "\n".join(f["report_cut_elderly"])  # and in elderly mode's larger type
    assert dict(map(tuple, f["yesterday_figures"]))["进入人次"] == str(c["yesterday"]["in"])
    # export: USB folder shown with free space, the week as XLSX, file name and rows confirmed
    assert f["usb_text"].startswith("已找到 U 盘目录") and "可用" in f["usb_text"]
    first, last, fmt = f["period"]
    assert fmt == "xlsx" and first < last
    (path,) = f["exported"]
    assert path.endswith(f"{first}-{last}.xlsx")
    rows_in_file = load_workbook(path).active.max_row - 1  # minus the header
    total = c["today"]["in"] + c["today"]["out"] + c["yesterday"]["in"] + c["yesterday"]["out"]
    assert rows_in_file == total
    assert f["export_message"] == f"已保存 {path.rsplit('/', 1)[1]}：{total} 行"



def test_a_sync_log_line_names_the_http_status_once() -> None:
    """The uploader's own messages start with "HTTP 429: …"; the table does not say it twice.
    A message without the status (a network error, a plain reason) gets it in front."""
    from zoneinfo import ZoneInfo

    from kiosk.ui.screens.admin_view import log_row

    base = {"at": "2026-11-30T05:00:00+00:00", "direction": "upload", "outcome": "retry", "records": 80, "bytes": None,
            "duration_ms": 5000.0}
    tz = ZoneInfo("Asia/Shanghai")
    own = log_row({**base, "http_status": 429, "message": "HTTP 429: slow down"}, tz)["message"]
    assert own == "HTTP 429: slow down"
    bare = log_row({**base, "http_status": 503, "message": "server busy"}, tz)["message"]
    assert bare == "HTTP 503  server busy"
    assert log_row({**base, "http_status": None, "message": "connection refused"}, tz)["message"] == "connection refused"
