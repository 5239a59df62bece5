"""Lockdown by scan, the no-smartphone lane offline, the wired thermometer, the fever wait."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tests.ui import codes
from tests.ui.scenarios.common import key_on_keypad, text_of

RESIDENT_ID = "11010519491231002X"


def _resident(store: Any, cfg: Any, name: str = "张三", id_number: str = RESIDENT_ID) -> str:
    """A resident as the bundle's roster puts them on the kiosk."""
    from kiosk.service.people import save_person
    from kiosk.store.vault import Vault

    with store.writing() as w:
        uid, _ = save_person(w.db, Vault.open(cfg.data_dir), kind="resident", name=name, now="2026-11-01T00:00:00+00:00",
                             id_type="cn-id", id_number=id_number, phone="", building="3", unit="2", room="401",
                             source="bundle")
    return uid


def _result(d: Any) -> dict[str, str]:
    d.wait_screen("result")
    shown = {k: text_of(d, "result", k) for k in ("headline", "who", "reasons")}
    return shown


def _back_to_idle(d: Any) -> None:
    d.tap("result", "ok")
    d.wait_screen("idle")


# --- a rostered resident in lockdown passes by scan alone; a visitor's code gets the roster pick ---
def setup_lockdown_scan(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    _resident(store, cfg)
    return cfg.replace(policy__mode="lockdown", ui__result_seconds=30.0), {
        "resident": codes.issue(key, kid, code_id="r-1"),
        "visitor": codes.issue(key, kid, code_id="v-1", name="王五", id_number="360426199101010071"),
    }


def lockdown_scan(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.app.code_from_device(ctx["resident"], "wedge")
    d.wait_screen("temperature")  # no pick: the code's identity matched the roster
    who = text_of(d, "temperature", "who")
    d.screenshot("lockdown-1-resident-matched")
    key_on_keypad(d, "temperature", "36.5")
    d.tap("temperature", "record")
    resident = _result(d)
    d.screenshot("lockdown-2-resident-pass")
    _back_to_idle(d)
    d.app.code_from_device(ctx["visitor"], "wedge")
    d.wait_screen("pick")  # nobody on the roster fits: the quick roster pick
    d.wait_until(lambda: len(d.screen("pick").ids.choices.children) > 0, 10, "the roster's buildings")
    buildings = [c.text for c in d.call(lambda: list(d.screen("pick").ids.choices.children))]
    d.screenshot("lockdown-3-roster-pick")
    d.tap("pick", "not_resident")
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "36.5")
    d.tap("temperature", "record")
    visitor = _result(d)
    d.screenshot("lockdown-4-visitor-review")
    return {"who": who, "resident": resident, "visitor": visitor, "buildings": buildings}


# --- the no-smartphone lane, offline: a resident by ID card, a visitor by passport -----------------
def setup_nophone_offline(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    _resident(store, cfg)
    return cfg.replace(idreader__kind="fake", ui__result_seconds=30.0), {}


def nophone_offline(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    from kiosk.devices.id_reader import IdCard

    d.wait_screen("idle")
    d.wait_until(lambda: d.app.services.devices.id_reader is not None, 10, "the ID card reader")
    reader = d.app.services.devices.id_reader
    reader.present(IdCard("张三", RESIDENT_ID))  # on the reader's thread, as the device would
    d.wait_screen("temperature")  # the lane filled itself and checked: no question about a phone
    who = text_of(d, "temperature", "who")
    d.screenshot("nophone-offline-1-card-resident")
    key_on_keypad(d, "temperature", "36.6")
    d.tap("temperature", "record")
    resident = _result(d)
    d.screenshot("nophone-offline-2-resident-pass")
    _back_to_idle(d)
    d.tap("idle", "no_phone")
    d.wait_screen("nophone")
    explain = text_of(d, "nophone", "explain")
    d.tap("nophone", "doc_passport")
    d.tap_text("nophone", "E")
    key_on_keypad_append(d, "12345678")
    d.screenshot("nophone-offline-3-passport")
    d.tap("nophone", "check")
    d.wait_screen("temperature")
    visitor_who = text_of(d, "temperature", "who")
    key_on_keypad(d, "temperature", "36.6")
    d.tap("temperature", "record")
    visitor = _result(d)
    d.screenshot("nophone-offline-4-visitor-review")
    return {"who": who, "resident": resident, "explain": explain, "visitor_who": visitor_who, "visitor": visitor}


def key_on_keypad_append(d: Any, digits: str) -> None:
    for ch in digits:
        d.tap_text("nophone", ch)


# --- a reading arriving from the (fake) serial thermometer -------------------------------------------
def setup_thermometer_serial(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    master, slave = os.openpty()  # the pseudo-terminal stands in for the USB-serial infrared module
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    cfg = cfg.replace(thermometer__kind="serial", thermometer__serial_port=os.ttyname(slave),
                      thermometer__read_timeout_s=0.5, ui__result_seconds=30.0)
    return cfg, {"master": master, "slave": slave, "code": codes.issue(key, kid, code_id="th-1")}


def thermometer_serial(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.app.code_from_device(ctx["code"], "wedge")
    d.wait_screen("temperature")
    asked = text_of(d, "temperature", "device")
    deadline = time.monotonic() + 15
    while d.call(lambda: d.widget("temperature", "keypad").value) != "36.7":
        os.write(ctx["master"], b"T=36.72\r\n")  # the module sends a line per measurement
        if time.monotonic() > deadline:
            raise AssertionError("no reading reached the temperature screen")
        time.sleep(0.2)
    filled = text_of(d, "temperature", "device")
    d.screenshot("thermometer-1-reading-filled")
    d.tap("temperature", "record")  # the guard confirms the reading
    shown = _result(d)
    d.screenshot("thermometer-2-result")
    return {"asked": asked, "filled": filled, "shown": shown}


# --- a fever re-measured with the contact thermometer after the enforced wait -------------------------
def setup_fever_wait(cfg: Any, store: Any, shots: Path) -> tuple[Any, dict[str, Any]]:
    key, kid = codes.new_issuer()
    codes.install_bundle(store, codes.bundle_for(key, kid))
    return cfg.replace(thermometer__remeasure_pause_s=4, ui__result_seconds=30.0), {
        "code": codes.issue(key, kid, code_id="fw-1")}


def fever_wait(d: Any, cfg: Any, store: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    d.wait_screen("idle")
    d.app.code_from_device(ctx["code"], "wedge")
    d.wait_screen("temperature")
    key_on_keypad(d, "temperature", "37.9")
    d.tap("temperature", "record")
    d.wait_until(lambda: d.screen("temperature").wait_s > 0, 10, "the countdown")
    countdown = text_of(d, "temperature", "countdown")
    record_disabled = d.call(lambda: d.widget("temperature", "record").disabled)
    method = d.call(lambda: d.screen("temperature").method)
    d.screenshot("fever-wait-1-countdown")
    started = time.monotonic()
    d.wait_until(lambda: d.screen("temperature").wait_s == 0, 15, "the end of the countdown")
    waited = time.monotonic() - started
    key_on_keypad(d, "temperature", "36.9")
    d.tap("temperature", "record")
    shown = _result(d)
    d.screenshot("fever-wait-2-result")
    return {"countdown": countdown, "record_disabled": record_disabled, "method": method, "waited": waited,
            "shown": shown}
