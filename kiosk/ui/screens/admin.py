"""Admin panel (after the PIN): sync status and log, pending records, lockdown switch,
duty roster, key-group list, daily report, export to a USB folder, settings.

The screen only places what kiosk/ui/screens/admin_view.py words; the data comes through
the AdminPort on the UI worker (the sync status is sync.status.sync_status, the same
function `kiosk sync status` prints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty

from kiosk.ui.lang import tr
from kiosk.ui.screens import admin_view as view
from kiosk.ui.screens.kit import KitScreen, ScreenKit
from kiosk.ui.widgets.hourly_chart import HourlyChart  # noqa: F401 - registers the kv class


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as aligned text lines (a kiosk admin reads a few dozen at most)."""
    if not rows:
        return tr._("(nothing)")
    return "\n".join("   ".join(str(r.get(c, "") if r.get(c) is not None else "") for c in columns) for r in rows)


class AdminScreen(KitScreen):
    status = DictProperty({})  # admin_view.status_card(...)
    sync_rows = ListProperty([])  # admin_view.log_row(...) each, newest first
    outcome_filter = StringProperty("")  # "" = every outcome
    parked_count = NumericProperty(0)
    sync_message = StringProperty("")
    pending_kinds = ListProperty([])
    parked_rows = ListProperty([])
    mode = StringProperty("normal")
    duty_text = StringProperty("")
    groups_text = StringProperty("")
    report = DictProperty({})  # admin_view.report_card(...)
    report_day = StringProperty("")
    report_days = ListProperty([])
    hourly = ListProperty([])
    export_first = StringProperty("")
    export_last = StringProperty("")
    export_format = StringProperty("csv")
    usb_text = StringProperty("")
    usb_present = BooleanProperty(False)
    export_message = StringProperty("")
    settings_text = StringProperty("")

    def __init__(self, kit: ScreenKit, session_seconds: float, export_dir: str, **kwargs: Any) -> None:
        super().__init__(kit, **kwargs)
        self.session_seconds = session_seconds
        self.export_dir = export_dir
        self._logout: Any = None
        self._confirm: Any = None

    def enter(self, **_params: Any) -> None:
        self.ids.export_path.text = self.export_dir
        self.export_message = self.sync_message = ""
        self.report_day = ""
        today = self._today()
        self.export_first = self.export_last = str(today)
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
        if self._confirm is not None:
            self._confirm.dismiss()
        if self.manager is not None and self.manager.current == self.name:
            self.kit.nav.home()

    @staticmethod
    def pick(values: Mapping[str, Any], key: str, default: Any) -> Any:
        """For kv rules: `root.pick(root.status, ...)` re-evaluates when the whole dict is replaced
        (a rule written `root.status.get(...)` is not re-run by Kivy)."""
        return values.get(key, default)

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        services, w = self.kit.services, self.kit.worker
        adm = services.admin
        self.load_sync()
        w.submit(services.status.snapshot, lambda s: setattr(self, "mode", s.mode), self._err)
        w.submit(services.duty.on_duty, lambda d: setattr(self, "duty_text", "\n".join(d.names) + (f"\n{d.phone}" if d.phone else "")), self._err)
        w.submit(adm.key_groups, lambda rows: setattr(self, "groups_text", table(rows, ("name", "id_masked", "groups", "origin", "created_at"))), self._err)
        w.submit(adm.report_days, lambda days: setattr(self, "report_days", list(days)), self._err)
        self.load_report(self.report_day)
        w.submit(adm.settings, lambda rows: setattr(self, "settings_text", "\n".join(f"{n} = {v}   ({src})" for n, v, src in rows)), self._err)
        self.check_usb()

    def load_sync(self) -> None:
        adm, w = self.kit.services.admin, self.kit.worker
        outcome = self.outcome_filter or None

        def both() -> tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
            return adm.sync_status(), adm.sync_log(200, outcome), adm.pending_groups()

        w.submit(both, self._sync_loaded, self._err)

    def _sync_loaded(self, got: tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]) -> None:
        st, log, groups = got
        tz = self.kit.tz
        self.status = view.status_card(st, tz)
        self.parked_count = int(st.get("failed") or 0)
        self.sync_rows = [view.log_row(r, tz) for r in log]
        self.pending_kinds, self.parked_rows = view.pending_lines(groups, st.get("parked") or [], tz, dt.datetime.now(dt.UTC))

    def filter_outcome(self, outcome: str) -> None:
        self.outcome_filter = outcome
        self.load_sync()

    def _fill(self, grid_id: str, cells: Sequence[tuple[str, str]], widths: Sequence[float] = (),
              kind: str = "Cell") -> None:
        """Put (text, palette colour name) cells into a grid of the tab; `widths`: each column's share;
        `kind`: the cell's kv class (ReportCell wraps a long text instead of cutting it)."""
        from kiosk.ui.theme import colors

        grid = self.ids[grid_id]
        grid.clear_widgets()
        for i, (text, colour) in enumerate(cells):
            cell = getattr(Factory, kind)(text=text, color=colors[colour])
            if widths:
                cell.size_hint_x = widths[i % len(widths)]
            grid.add_widget(cell)

    def on_pending_kinds(self, *_a: Any) -> None:
        self._fill("pending_kinds", [(c, "PARKED_TEXT" if k == "parked" else "TEXT")
                                     for g in self.pending_kinds for k, c in g.items()], (0.2, 0.1, 0.45, 0.25))

    def on_parked_rows(self, *_a: Any) -> None:
        self._fill("parked_rows", [(c, "PARKED_TEXT" if k == "error" else "TEXT") for r in self.parked_rows for k, c in r.items()],
                   (0.08, 0.14, 0.1, 0.68))

    def on_report(self, *_a: Any) -> None:
        rep = self.report
        for grid, key, widths in (("report_figures", "figures", (0.32, 0.18)), ("report_codes", "codes", (0.8, 0.2)),
                                  ("report_key", "key", (0.8, 0.2))):
            self._fill(grid, [(t, "TEXT_MUTED" if i == 0 else "TEXT") for pair in rep.get(key, []) for i, t in enumerate(pair)],
                       widths, "ReportCell")
        box = self.ids.report_people
        box.clear_widgets()
        for line in rep.get("people", []):
            box.add_widget(Factory.ReportLine(text=line))

    # -- sync actions ------------------------------------------------------------------------
    def sync_now(self) -> None:
        self.sync_message = tr._("Syncing…")

        def done(started: bool) -> None:
            self.sync_message = tr._("Sync started") if started else tr._("Not enrolled: nothing to sync with")
            Clock.schedule_once(lambda _dt: self.load_sync(), 1.0)

        self.kit.worker.submit(self.kit.services.admin.sync_now, done, self._err)

    def ask_retry_parked(self) -> None:
        """Queueing refused records again can only help once the cause is fixed: ask first."""
        if not self.parked_count:
            self.sync_message = tr._("Nothing is parked")
            return
        self._confirm = Factory.RetryConfirm()
        self._confirm.question = tr._("Queue {n} parked records again? Do this only after fixing the cause.").format(n=self.parked_count)
        self._confirm.bind(on_dismiss=lambda *_: setattr(self, "_confirm", None))
        self._confirm.ids.yes.bind(on_release=lambda *_: self.retry_parked())
        self._confirm.open()

    def retry_parked(self) -> None:
        if self._confirm is not None:
            self._confirm.dismiss()

        def done(n: int) -> None:
            self.sync_message = tr._("{n} parked records queued again").format(n=n)
            self.load_sync()

        self.kit.worker.submit(self.kit.services.admin.retry_parked, done, self._err)

    # -- report ------------------------------------------------------------------------------
    def load_report(self, day: str) -> None:
        admin = self.kit.services.admin
        self.report_day = day
        self.kit.worker.submit(lambda: admin.daily_report(day or None), self._report, self._err)

    def _report(self, rep: Mapping[str, Any]) -> None:
        self.report = view.report_card(rep)
        self.hourly = [list(p) for p in rep.get("hourly") or []]
        if rep.get("day"):
            self.report_day = str(rep["day"])

    def step_report_day(self, days: int) -> None:
        if self.report_day:
            self.load_report(str(dt.date.fromisoformat(self.report_day) + dt.timedelta(days=days)))

    # -- lockdown ----------------------------------------------------------------------------
    def set_lockdown(self, on: bool) -> None:
        admin = self.kit.services.admin
        self.kit.worker.submit(lambda: admin.set_lockdown(on), self._mode_set, self._err)

    def _mode_set(self, mode: str) -> None:
        self.mode = mode
        self.kit.refresh_status()

    # -- export ------------------------------------------------------------------------------
    def _today(self) -> dt.date:
        return dt.datetime.now(self.kit.tz).date()

    def set_period(self, days: int) -> None:
        """The last `days` local days, today included."""
        today = self._today()
        self.export_first, self.export_last = str(today - dt.timedelta(days=days - 1)), str(today)

    def step_date(self, which: str, days: int) -> None:
        now = dt.date.fromisoformat(getattr(self, which)) + dt.timedelta(days=days)
        setattr(self, which, str(min(now, self._today())))
        if self.export_first > self.export_last:  # keep the range the right way round
            if which == "export_first":
                self.export_last = self.export_first
            else:
                self.export_first = self.export_last

    def check_usb(self) -> None:
        admin = self.kit.services.admin
        folder = self.ids.export_path.text

        def shown(info: Any) -> None:
            self.usb_present = info.present
            self.usb_text = (tr._("USB folder found: {free} free").format(free=view.size(info.free_bytes) or "0 B")
                             if info.present else tr._("No USB folder here: insert the stick or check the folder"))

        self.kit.worker.submit(lambda: admin.usb_info(folder), shown, self._err)

    def export(self) -> None:
        folder = self.ids.export_path.text.strip()
        admin = self.kit.services.admin
        self.export_message = tr._("Exporting…")
        first, last, fmt = self.export_first, self.export_last, self.export_format

        def done(res: Any) -> None:
            self.export_message = tr._("Saved {name}: {rows} rows").format(name=res.name, rows=res.rows)
            self.check_usb()

        self.kit.worker.submit(
            lambda: admin.export(folder, first, last, fmt), done,
            lambda e: setattr(self, "export_message", tr._("Export failed: {error}").format(error=e)),
        )

    def _err(self, exc: BaseException) -> None:
        self.sync_message = self.export_message = str(exc)
