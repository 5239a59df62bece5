"""Admin panel (after the PIN): sync status and log, pending records, lockdown switch,
duty roster, key-group list, daily report, export to a USB folder, settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.ui.lang import tr
from kiosk.ui.texts import KEY_CATEGORIES, REPORT_FIELDS, REPORT_KINDS


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as aligned text lines (a kiosk admin reads a few dozen at most)."""
    if not rows:
        return tr._("(nothing)")
    return "\n".join("   ".join(str(r.get(c, "") if r.get(c) is not None else "") for c in columns) for r in rows)


class AdminScreen(Screen):
    sync_text = StringProperty("")
    records_text = StringProperty("")
    mode = StringProperty("normal")
    duty_text = StringProperty("")
    groups_text = StringProperty("")
    report_text = StringProperty("")
    export_message = StringProperty("")
    settings_text = StringProperty("")

    def __init__(self, session_seconds: float, export_dir: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session_seconds = session_seconds
        self.export_dir = export_dir
        self._logout: Any = None

    def enter(self, **_params: Any) -> None:
        self.ids.export_path.text = self.export_dir
        self.export_message = ""
        self.load()
        self.touched()

    def on_touch_down(self, touch: Any) -> bool:
        self.touched()
        return bool(super().on_touch_down(touch))

    def touched(self) -> None:
        """Leaving the panel open is a risk at a public gate: log out when idle."""
        if self._logout is not None:
            self._logout.cancel()
        self._logout = Clock.schedule_once(lambda _dt: self.leave(), self.session_seconds)

    def leave(self) -> None:
        if self._logout is not None:
            self._logout.cancel()
            self._logout = None
        if self.manager is not None and self.manager.current == self.name:
            App.get_running_app().nav.home()

    def load(self) -> None:
        app = App.get_running_app()
        adm, w = app.admin, app.worker
        w.submit(app.status.snapshot, self._status, self._err)
        w.submit(lambda: adm.sync_log(30), lambda rows: self._append_log(rows), self._err)
        w.submit(lambda: adm.pending_records(30), lambda rows: setattr(self, "records_text", table(rows, ("seq", "kind", "created_at", "state", "last_error"))), self._err)
        w.submit(app.duty.on_duty, lambda d: setattr(self, "duty_text", "\n".join(d.names) + (f"\n{d.phone}" if d.phone else "")), self._err)
        w.submit(adm.key_groups, lambda rows: setattr(self, "groups_text", table(rows, ("name", "id_masked", "groups", "origin", "created_at"))), self._err)
        w.submit(adm.daily_report, self._report, self._err)
        w.submit(adm.settings, lambda rows: setattr(self, "settings_text", "\n".join(f"{n} = {v}   ({src})" for n, v, src in rows)), self._err)

    def _status(self, s: Any) -> None:
        self.mode = s.mode
        self._status_line = tr._("Pending uploads: {p}   failed: {f}   last sync: {t}").format(
            p=s.pending_uploads, f=s.failed_uploads, t=App.get_running_app().local_time(s.last_sync_at) or "—"
        )
        self.sync_text = self._status_line + "\n\n" + getattr(self, "_log_text", "")

    def _append_log(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._log_text = table(rows, ("at", "direction", "records", "http_status", "error"))
        self.sync_text = getattr(self, "_status_line", "") + "\n\n" + self._log_text

    def _report(self, rep: Mapping[str, Any]) -> None:
        lines = []
        for key, label in REPORT_FIELDS.items():
            if key in rep:
                value = tr._(REPORT_KINDS[rep[key]]) if key == "kind" and rep[key] in REPORT_KINDS else rep[key]
                lines.append(f"{tr._(label)}: {value}")
        counts = rep.get("key_persons") or {}
        for cat, label in KEY_CATEGORIES.items():
            if counts.get(cat):
                lines.append(f"  {tr._(label)}: {counts[cat]}")
        people = rep.get("key_people") or []
        if people:
            lines.append(tr._("Key persons today") + ":")
            for p in people:
                cats = "、".join(tr._(KEY_CATEGORIES.get(c, c)) for c in p["categories"])
                lines.append(f"  {p['name_masked']} {p['id_masked']} — {cats}")
        self.report_text = "\n".join(lines)

    def set_lockdown(self, on: bool) -> None:
        app = App.get_running_app()
        app.worker.submit(lambda: app.admin.set_lockdown(on), self._mode_set, self._err)

    def _mode_set(self, mode: str) -> None:
        self.mode = mode
        App.get_running_app().refresh_status()

    def export(self) -> None:
        folder = self.ids.export_path.text.strip()
        app = App.get_running_app()
        self.export_message = tr._("Exporting…")
        app.worker.submit(
            lambda: app.admin.export(folder),
            lambda path: setattr(self, "export_message", tr._("Saved to {path}").format(path=path)),
            lambda e: setattr(self, "export_message", tr._("Export failed: {error}").format(error=e)),
        )

    def _err(self, exc: BaseException) -> None:
        self.export_message = str(exc)
