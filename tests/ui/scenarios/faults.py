"""Faults during a gate pass: the store fails in the middle of recording it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.store.errors import StoreFull
from tests.ui import codes
from tests.ui.scenarios.common import key_on_keypad, text_of


def setup_store_full(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    return cfg, {"code": codes.issue(key, kid, code_id="full-1", name="孙七")}


def _fill_the_disk(store: Any) -> int:
    """The file may not grow (SQLite answers SQLITE_FULL as for a full disk), and the last
    pages of the journal and outbox are filled with small records: the pass's own, larger,
    records then cannot fit anywhere. Returns how many journal records there are."""
    pages = store.db.execute("pragma page_count").fetchone()[0]
    store.db.execute(f"pragma max_page_count = {pages}")
    try:
        for n in range(100_000):
            store.append("disk-filler", {"n": n})
    except StoreFull:
        pass
    else:
        raise AssertionError("the store never filled up")
    return int(store.db.execute("select count(*) from journal").fetchone()[0])


def store_full(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    app = d.app
    d.wait_screen("idle")
    visited: list[str] = []
    d.call(lambda: app.nav.listeners.append(visited.append))
    app.code_from_device(ctx["code"], "wedge")
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "36.5")
    records_before = _fill_the_disk(store)  # the disk fills up while the guard is typing
    d.tap("temperature", "record")
    d.wait_screen("message")
    d.wait_idle()
    failed = {"title": text_of(d, "message", "title"), "text": text_of(d, "message", "message"),
              "good": d.call(lambda: d.screen("message").good), "visited": list(visited),
              "sounds": list(app.sounds.played), "current": d.current()}
    d.screenshot("store-full-not-recorded")
    records_after = int(store.db.execute("select count(*) from journal").fetchone()[0])
    entries_after = int(store.db.execute("select count(*) from gate_entries").fetchone()[0])
    # Space is freed; the same person tries again and is recorded.
    with store.writing() as w:
        w.db.execute("pragma max_page_count = 1073741823")
    d.tap("message", "ok")
    d.wait_screen("idle")
    app.code_from_device(ctx["code"], "wedge")
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "36.5")
    d.tap("temperature", "record")
    d.wait_screen("result")
    again = {k: text_of(d, "result", k) for k in ("headline", "who")}
    return {"failed": failed, "records_before": records_before, "records_after": records_after,
            "entries_after": entries_after, "again": again, "visited": list(visited)}
