"""The admin tabs filled with a generated day: sync table and status card, pending, daily
report with its hourly chart and the day before, export to the USB folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.ui.day_of_data import fill_day, sync_history
from tests.ui.scenarios.common import key_on_keypad, text_of

PIN = "2580"


def setup_admin_day(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    import zoneinfo

    from kiosk.service.admin_pin import AdminPin

    AdminPin.for_config(store, cfg).set_pin(PIN)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(zoneinfo.ZoneInfo(cfg["kiosk.timezone"])).date()
    yesterday_counts = fill_day(store, today - dt.timedelta(days=1), cfg["kiosk.timezone"], scale=0.5, seed=9)
    counts = fill_day(store, today, cfg["kiosk.timezone"])
    history = sync_history(store, now)
    usb = cfg.data_dir / "usb"
    usb.mkdir(parents=True)
    ctx = {"usb": usb, "today": str(today), "counts": counts, "yesterday": yesterday_counts, "history": history}
    return cfg.replace(admin__export_dir=str(usb)), ctx


def _small_buttons(d: Any, screen: str) -> list[str]:
    """Buttons on the visible tab narrower or lower than 15 mm."""
    from kivy.metrics import Metrics
    from kivy.uix.button import Button

    min_px = Metrics.dpi / 25.4 * 15

    def check() -> list[str]:
        out = []
        for w in d.screen(screen).walk(restrict=False):
            if isinstance(w, Button) and w.opacity > 0 and w.get_root_window() is not None and w.width > 0:
                if min(w.width, w.height) < min_px - 0.5:
                    out.append(f"{w.__class__.__name__} {w.text!r} {w.width:.0f}x{w.height:.0f}")
        return out

    return list(d.call(check))


def _cut_labels(d: Any, screen: str, widget_id: str) -> tuple[list[str], list[str]]:
    """The texts of the labels inside a widget, and those not shown in full: shortened with "…",
    lines dropped by their box, or a texture wider or taller than the label."""
    from kivy.uix.label import Label

    def check() -> tuple[list[str], list[str]]:
        texts, cut = [], []
        for w in d.widget(screen, widget_id).walk(restrict=True):
            if not isinstance(w, Label) or not w.text:
                continue
            w.texture_update()
            shown = "".join(word.text for line in w._label._cached_lines for word in line.words)
            texts.append(w.text)
            if (w.is_shortened or "".join(shown.split()) != "".join(w.text.split())
                    or w.texture_size[0] > w.width + 1 or w.texture_size[1] > w.height + 1):
                cut.append(f"{w.text!r} shows as {shown!r} in {w.width:.0f}x{w.height:.0f}")
        return texts, cut

    return d.call(check)


def admin_day(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    f: dict[str, Any] = {"small": [], "generated": {"today": ctx["counts"], "yesterday": ctx["yesterday"]}}
    adm = lambda: d.screen("admin")  # noqa: E731
    d.wait_screen("idle")
    d.tap("idle", "admin")
    d.wait_screen("admin_pin")
    key_on_keypad(d, "admin_pin", PIN)
    d.tap("admin_pin", "enter")
    d.wait_screen("admin")
    # --- sync: status card and table, newest first
    d.wait_until(lambda: len(adm().sync_rows) == ctx["history"]["attempts"] and adm().status, 10, "the sync table")
    d.wait_idle()
    f["status"] = d.call(lambda: dict(adm().status))
    f["rows"] = d.call(lambda: [dict(r) for r in adm().sync_rows])
    f["card"] = d.call(lambda: {k: [d.widget("admin", k).text, list(d.widget("admin", k).size), list(d.widget("admin", k).texture_size)]
                                for k in ("sync_state", "last_upload", "last_pull", "pending_count", "parked_count", "oldest", "skew", "bundle")})
    f["table_children"] = d.call(lambda: len(d.widget("admin", "sync_table").layout_manager.children))
    f["small"] += _small_buttons(d, "admin")
    d.screenshot("admin-day-1-sync")
    d.tap("admin", "sync_now")  # this kiosk is not enrolled: it says so instead of pretending
    d.wait_until(lambda: adm().sync_message == "未注册：没有可同步的服务器", 10, "the sync-now answer")
    d.tap("admin", "filter_retry")
    d.wait_until(lambda: len(adm().sync_rows) == ctx["history"]["retry"], 10, "only the retries")
    f["retry_rows"] = d.call(lambda: [r["outcome"] for r in adm().sync_rows])
    d.screenshot("admin-day-2-sync-retry")
    d.tap("admin", "filter_all")
    d.wait_until(lambda: len(adm().sync_rows) == ctx["history"]["attempts"], 10, "every attempt again")
    # --- pending: by kind, parked with why
    d.tap("admin", "tab_records")
    d.wait_until(lambda: adm().pending_kinds and adm().parked_rows, 10, "the pending records")
    f["pending_kinds"] = d.call(lambda: [dict(g) for g in adm().pending_kinds])
    f["parked_rows"] = d.call(lambda: [dict(r) for r in adm().parked_rows])
    f["pending_cells"] = d.call(lambda: [w.text for w in reversed(d.widget("admin", "pending_kinds").children)])
    d.screenshot("admin-day-3-pending")
    # --- retry parked: asked first; "cancel" changes nothing, "queue again" requeues
    d.tap("admin", "tab_sync")
    d.tap("admin", "retry_parked")
    d.wait_until(lambda: adm()._confirm is not None and adm()._confirm.parent is not None, 5, "the confirmation")
    d.settle(10)
    f["question"] = d.call(lambda: adm()._confirm.question)
    d.screenshot("admin-day-4-retry-confirm")
    d.tap(d.call(lambda: adm()._confirm.ids.no))
    d.wait_until(lambda: adm()._confirm is None, 5, "the confirmation to close")
    d.tap("admin", "refresh")  # read the outbox again: nothing was requeued
    d.wait_idle()
    f["parked_after_cancel"] = d.call(lambda: adm().parked_count)
    d.tap("admin", "retry_parked")
    d.wait_until(lambda: adm()._confirm is not None and adm()._confirm.parent is not None, 5, "the confirmation")
    d.settle(10)
    d.tap(d.call(lambda: adm()._confirm.ids.yes))
    d.wait_until(lambda: adm().parked_count == 0 and "重新排队" in adm().sync_message, 10, "the requeue")
    f["sync_message"] = d.call(lambda: adm().sync_message)
    # --- daily report: card, chart, the day before
    d.tap("admin", "tab_report")
    d.wait_until(lambda: adm().report.get("kind") and len(adm().hourly) == 24, 10, "the daily report")
    d.wait_idle()
    f["report"] = d.call(lambda: {k: v for k, v in adm().report.items()})
    f["hourly"] = d.call(lambda: [list(p) for p in adm().hourly])
    f["chart_peak"] = d.call(lambda: d.widget("admin", "chart").peak)
    f["chart_bars"] = d.call(lambda: [list(b) for b in d.widget("admin", "chart").bars])
    f["chart_size"] = d.call(lambda: list(d.widget("admin", "chart").size))
    f["report_day"] = d.call(lambda: adm().report_day)
    f["small"] += _small_buttons(d, "admin")
    f["report_texts"], f["report_cut"] = _cut_labels(d, "admin", "report_card")
    d.screenshot("admin-day-5-report")
    from kiosk.ui.theme import theme  # elderly mode's larger type: a label too long for its column wraps

    d.call(lambda: setattr(theme, "elderly", True))
    d.settle(5)
    f["report_cut_elderly"] = _cut_labels(d, "admin", "report_card")[1]
    d.screenshot("admin-day-5-report-elderly")
    d.call(lambda: setattr(theme, "elderly", False))
    d.settle(5)
    d.tap("admin", "prev_day")
    yesterday = str(dt.date.fromisoformat(ctx["today"]) - dt.timedelta(days=1))
    d.wait_until(lambda: adm().report_day == yesterday and adm().report.get("figures"), 10, "the day before")
    d.wait_idle()
    f["yesterday_figures"] = d.call(lambda: list(adm().report["figures"]))
    f["yesterday_hourly"] = d.call(lambda: [list(p) for p in adm().hourly])
    d.screenshot("admin-day-6-report-yesterday")
    # --- export: the week as XLSX to the USB folder
    d.tap("admin", "tab_export")
    d.wait_until(lambda: adm().usb_text, 10, "the USB folder check")
    f["usb_text"] = d.call(lambda: adm().usb_text)
    d.tap("admin", "period_week")
    d.tap("admin", "format_xlsx")
    f["period"] = d.call(lambda: (adm().export_first, adm().export_last, adm().export_format))
    d.tap("admin", "export")
    d.wait_until(lambda: "已保存" in adm().export_message or "失败" in adm().export_message, 20, "the export")
    f["export_message"] = text_of(d, "admin", "export_message")
    f["small"] += _small_buttons(d, "admin")
    d.screenshot("admin-day-7-export")
    f["exported"] = [str(p) for p in ctx["usb"].iterdir()]
    return f
