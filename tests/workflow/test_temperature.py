"""Temperature rules and thermometer adapters (the serial one through a real pseudo-terminal)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator

import pytest

from kiosk.config import Config
from kiosk.devices.thermometer import (
    FakeThermometer,
    KeypadThermometer,
    SerialInfraredThermometer,
    SimulatedThermometer,
    ThermometerError,
    make_thermometer,
    parse_line,
)
from kiosk.domain.temperature import (
    Measurement,
    Method,
    Reading,
    Rules,
    Verdict,
    assess,
    classify,
    parse_celsius,
    remeasure_due,
)

RULES = Rules()
IR, CONTACT = Method.INFRARED, Method.CONTACT


@pytest.mark.parametrize(
    ("value", "reading"),
    [(29.9, Reading.BAD), (30.0, Reading.LOW), (34.99, Reading.LOW), (35.0, Reading.NORMAL), (36.5, Reading.NORMAL),
     (37.29, Reading.NORMAL), (37.3, Reading.FEVER), (40.0, Reading.FEVER), (45.0, Reading.FEVER), (45.1, Reading.BAD),
     (float("nan"), Reading.BAD), (float("inf"), Reading.BAD), (-5.0, Reading.BAD)],
)
def test_classify(value: float, reading: Reading) -> None:
    assert classify(value, RULES) is reading


def test_threshold_comes_from_rules() -> None:
    assert classify(37.4, Rules(fever_c=37.5)) is Reading.NORMAL


@pytest.mark.parametrize(
    ("readings", "verdict"),
    [
        ((), Verdict.MISSING),
        (((36.4, IR),), Verdict.NORMAL),
        (((34.2, IR),), Verdict.REMEASURE_LOW),
        (((34.2, IR), (36.1, IR)), Verdict.NORMAL),
        (((52.0, IR),), Verdict.REMEASURE_BAD),
        (((37.6, IR),), Verdict.REMEASURE_FEVER),
        (((37.6, IR), (37.8, IR)), Verdict.REMEASURE_FEVER),  # a second infrared reading does not confirm
        (((37.6, IR), (37.5, CONTACT)), Verdict.FEVER_CONFIRMED),
        (((37.6, IR), (36.8, CONTACT)), Verdict.NORMAL),  # the contact re-measure clears it
        (((37.6, CONTACT),), Verdict.REMEASURE_FEVER),  # one reading never confirms
        (((37.6, IR), (36.8, IR)), Verdict.REMEASURE_FEVER),  # only a contact reading clears a fever
        (((37.6, IR), (36.8, IR), (36.9, CONTACT)), Verdict.NORMAL),
        (((37.6, IR), (60.0, CONTACT)), Verdict.REMEASURE_BAD),
    ],
)
def test_assess(readings: tuple[tuple[float, Method], ...], verdict: Verdict) -> None:
    assert assess([Measurement(v, m) for v, m in readings], RULES) is verdict


T0 = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("wait_s", "contact_c", "verdict"),
    [(30, 37.6, Verdict.REMEASURE_FEVER), (30, 36.5, Verdict.REMEASURE_FEVER), (60, 37.6, Verdict.FEVER_CONFIRMED), (90, 36.5, Verdict.NORMAL)],
)
def test_contact_remeasure_counts_only_after_the_pause(wait_s: int, contact_c: float, verdict: Verdict) -> None:
    rules = Rules(pause_s=60)
    first = Measurement(37.9, IR, T0)
    assert remeasure_due([first], rules) == T0 + dt.timedelta(seconds=60)
    assert assess([first, Measurement(contact_c, CONTACT, T0 + dt.timedelta(seconds=wait_s))], rules) is verdict


@pytest.mark.parametrize(("text", "value"), [("36.5", 36.5), ("36,5", 36.5), (" 37.3℃", 37.3), ("36.5°C", 36.5), ("abc", None), ("", None), ("nan", None)])
def test_parse_celsius(text: str, value: float | None) -> None:
    assert parse_celsius(text) == value


@pytest.mark.parametrize(("line", "value"), [(b"T=36.52\r", 36.52), (b"TEMP:36.5C", 36.5), (b"36.5", 36.5), (b"OBJ 37.1 \xe2\x84\x83", None), (b"hello", None), (b"\xff\xfe", None)])
def test_parse_line(line: bytes, value: float | None) -> None:
    assert parse_line(line) == value


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    os.close(master)
    os.close(slave)


def _send_later(fd: int, data: bytes, delay: float = 0.15) -> threading.Thread:
    def send() -> None:
        time.sleep(delay)
        os.write(fd, data)

    t = threading.Thread(target=send)
    t.start()
    return t


def test_serial_module_through_a_pty(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    thermo = SerialInfraredThermometer(path, 9600)
    try:
        os.write(master, b"T=35.1\n")  # stale, from before the reading was asked for
        time.sleep(0.05)
        sender = _send_later(master, b"noise\r\nERR\r\nT=36.52\r\n")
        assert thermo.read(timeout=2.0) == 36.52
        sender.join()
        assert thermo.read(timeout=0.3) is None  # nothing more came
        sender = _send_later(master, b"TEMP:3")
        _send_later(master, b"7.9C\r\n", delay=0.3)
        assert thermo.read(timeout=2.0) == 37.9  # a line split over two writes
        sender.join()
    finally:
        thermo.close()


def test_factory_fails_loudly_on_a_missing_port(cfg: Config) -> None:
    with pytest.raises(ThermometerError, match="/dev/does-not-exist"):
        make_thermometer(cfg.replace(thermometer__kind="serial", thermometer__serial_port="/dev/does-not-exist"))


def test_factory_opens_the_serial_module(cfg: Config, pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    thermo = make_thermometer(cfg.replace(thermometer__kind="serial", thermometer__serial_port=path, thermometer__serial_baud=19200))
    try:
        assert isinstance(thermo, SerialInfraredThermometer) and thermo.port == path
        assert thermo._serial.port == path and thermo._serial.baudrate == 19200  # the configured port and speed
        assert thermo.method is Method.INFRARED
        sender = _send_later(master, b"T=36.7\r\n")
        assert thermo.read(timeout=2.0) == 36.7  # a reading from the module arrives through the factory's port
        sender.join()
    finally:
        thermo.close()


def test_factory_kinds(cfg: Config) -> None:
    keypad = make_thermometer(cfg)
    assert isinstance(keypad, KeypadThermometer) and keypad.method is Method.KEYPAD
    assert keypad.read(timeout=0.05) is None  # nothing until the guard types
    assert keypad.submit("36.6") == 36.6 and keypad.read(timeout=0.5) == 36.6
    with pytest.raises(ValueError, match="not a temperature"):
        keypad.submit("abc")
    fake = make_thermometer(cfg.replace(thermometer__kind="fake"))  # the demo's simulated forehead thermometer
    assert isinstance(fake, SimulatedThermometer) and fake.method is Method.INFRARED
    assert fake.read(timeout=0.05) is None  # asked for less than its pause: nothing yet
    first, second = fake.read(timeout=fake.pause_s + 0.5), fake.read(timeout=fake.pause_s + 0.5)
    assert first is not None and second is not None and first != second  # plausible readings, not one stuck value
    assert all(35.0 <= v < 37.3 for v in (first, second))
    with pytest.raises(ThermometerError, match="unknown thermometer.kind 'laser'"):
        make_thermometer({"thermometer.kind": "laser"})


def test_keypad_and_fake() -> None:
    keypad = KeypadThermometer()
    assert keypad.read(0.01) is None
    keypad.submit("36,7")
    assert keypad.read(0.01) == 36.7
    with pytest.raises(ValueError, match="not a temperature"):
        keypad.submit("hot")
    fake = FakeThermometer([37.5, 36.0])
    assert [fake.read(0.01), fake.read(0.01), fake.read(0.01)] == [37.5, 36.0, None]
