"""What the admin tabs show, as words and colours: pure functions over the adapter's data
(sync.status rows, the daily report), so the screen class only places them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from kiosk.ui.i18n import N_
from kiosk.ui.lang import tr
from kiosk.ui.texts import KEY_CATEGORIES, REPORT_KINDS

# outcome → (mark, words, palette colour name); the mark tells them apart without colour
OUTCOME_LOOK: dict[str, tuple[str, str, str]] = {
    "ok": ("✓", N_("ok"), "OK_TEXT"),
    "retry": ("↻", N_("retry"), "WARN_TEXT"),
    "parked": ("■", N_("parked"), "PARKED_TEXT"),
    "refused": ("✕", N_("refused"), "REFUSED_TEXT"),
}
DIRECTIONS = {"upload": N_("upload"), "pull": N_("pull"), "check": N_("code check")}
KINDS = {
    "gate_entry": N_("Gate passes"), "visitor": N_("Visitors registered"), "temperature": N_("Temperatures"),
    "alert": N_("Alerts"), "daily_report": N_("Daily reports"), "mode_change": N_("Mode changes"),
    "shift_start": N_("Duty sign-ins"), "shift_end": N_("Duty sign-outs"), "pin_failed": N_("Wrong PINs"),
    "pin_locked": N_("PIN lock-outs"),
}


def local(iso: str | None, tz: Any, fmt: str = "%m-%d %H:%M:%S") -> str:
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).astimezone(tz).strftime(fmt)
    except ValueError:
        return iso


def size(n: int | None) -> str:
    if not n:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return ""


def age(seconds: float | None) -> str:
    """'3 min', '2 h 05 min', '1 d 4 h' — how long something has waited."""
    if seconds is None:
        return "—"
    s = int(seconds)
    if s < 60:
        return tr._("{n} s").format(n=s)
    if s < 3600:
        return tr._("{n} min").format(n=s // 60)
    if s < 86400:
        return tr._("{h} h {m} min").format(h=s // 3600, m=s // 60 % 60)
    return tr._("{d} d {h} h").format(d=s // 86400, h=s // 3600 % 24)


def duration(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def outcome_text(outcome: str) -> str:
    mark, words, _colour = OUTCOME_LOOK[outcome]
    return f"{mark} {tr._(words)}"


def log_row(row: Mapping[str, Any], tz: Any) -> dict[str, Any]:
    """One sync attempt as the table's cells (RecycleView data)."""
    message = row.get("message") or ""
    status = f"HTTP {row['http_status']}" if row.get("http_status") else ""
    if status and not message.startswith(status):  # the uploader's own messages already name it
        message = f"{status}  {message}"
    return {
        "at": local(row["at"], tz),
        "direction": tr._(DIRECTIONS.get(row["direction"], row["direction"])),
        "outcome": outcome_text(row["outcome"]),
        "colour": OUTCOME_LOOK[row["outcome"]][2],
        "records": str(row["records"] or ""),
        "nbytes": size(row.get("bytes")),
        "duration": duration(row.get("duration_ms")),
        "message": message.strip(),
    }


def status_card(st: Mapping[str, Any], tz: Any) -> dict[str, str]:
    """The status card's lines (sync.status.sync_status in the admin's words)."""
    online = st.get("online")
    if st.get("revoked"):
        state = tr._("Revoked by the server: nothing is sent")
    elif not st.get("provisioned"):
        state = tr._("Not enrolled: working offline")
    else:
        state = tr._("Online") if online else (tr._("Offline") if online is False else tr._("Not tried yet"))
    skew = st.get("clock_skew_s")
    return {
        "state": state,
        "state_colour": "OK_TEXT" if online else "WARN_TEXT",
        "upload": tr._("Last upload: {t}").format(t=local(st.get("last_upload_at"), tz, "%m-%d %H:%M") or tr._("never")),
        "pull": tr._("Last pull: {t}").format(t=local(st.get("last_pull_at"), tz, "%m-%d %H:%M") or tr._("never")),
        "pending": tr._("Waiting: {n}").format(n=st.get("pending", 0)),
        "parked": tr._("Parked: {n}").format(n=st.get("failed", 0)),
        "oldest": tr._("Oldest waiting: {age}").format(age=age(st.get("oldest_pending_age_s"))),
        "skew": tr._("Clock skew: {s}").format(s="—" if skew is None else f"{skew:+.1f} s")
        + (" ▲" if st.get("clock_skew_warning") else ""),
        "bundle": tr._("Lists version: {v}").format(v=(st.get("bundle_etag") or "—").strip('"')[:16]),
    }


def pending_lines(groups: Sequence[Mapping[str, Any]], parked: Sequence[Mapping[str, Any]], tz: Any,
                  now: dt.datetime) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Waiting records per kind (count, oldest) and each parked record with why."""
    kinds = []
    for g in groups:
        oldest = dt.datetime.fromisoformat(g["oldest_at"]) if g.get("oldest_at") else None
        kinds.append({
            "kind": tr._(KINDS.get(g["kind"], g["kind"])),
            "count": str(g["count"]),
            "oldest": tr._("oldest {t} ({age} ago)").format(
                t=local(g["oldest_at"], tz, "%m-%d %H:%M"), age=age(max(0.0, (now - oldest).total_seconds()) if oldest else None)),  # a clock set back: not "-5 s ago"
            "parked": tr._("{n} parked").format(n=g["parked"]) if g.get("parked") else "",
        })
    why = [{"seq": f"#{p['seq']}", "kind": tr._(KINDS.get(p["kind"], p["kind"])),
            "attempts": tr._("{n} tries").format(n=p["attempts"]), "error": p.get("error") or ""} for p in parked]
    return kinds, why


# (report key, label) in the order the card shows them
CARD_FIELDS = (
    ("entries_in", N_("Entries in")), ("entries_out", N_("Entries out")), ("fevers_confirmed", N_("Confirmed fevers")),
    ("denials", N_("Denied")), ("reviews", N_("Sent to review")), ("overrides", N_("Guard overrides")),
)
CODE_FIELDS = (("codes_green", N_("Green codes")), ("codes_yellow", N_("Yellow codes")), ("codes_red", N_("Red codes")),
               ("codes_none", N_("No colour")), ("codes_unverified", N_("Codes checked later (offline)")))


def report_card(rep: Mapping[str, Any]) -> dict[str, Any]:
    """The daily report as a card: the kind in large type, figures, codes by colour, key persons."""
    if not rep:
        return {"kind": "", "zero": False, "figures": [], "codes": [], "key": [], "people": []}
    kind = rep.get("kind", "")
    big = {"zero": N_("Zero report"), "daily": N_("Daily report")}.get(kind, "")
    return {
        "kind": tr._(big) if big else "",
        "kind_note": tr._(REPORT_KINDS["zero"]) if kind == "zero" else (tr._("Something to report: see below") if big else ""),
        "zero": kind == "zero",
        "figures": [(tr._(label), str(rep.get(k, 0))) for k, label in CARD_FIELDS],
        "codes": [(tr._(label), str(rep.get(k, 0))) for k, label in CODE_FIELDS],
        "key": [(tr._(label), str((rep.get("key_persons") or {}).get(cat, 0))) for cat, label in KEY_CATEGORIES.items()],
        "people": [f"{p['name_masked']}  {p['id_masked']}  " + "、".join(tr._(KEY_CATEGORIES.get(c, c)) for c in p["categories"])
                   for p in rep.get("key_people") or []],
    }
