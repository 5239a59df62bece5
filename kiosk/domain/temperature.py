"""Temperature rules at the gate. Pure: readings in, classification and next step out.

- outside 30–45 °C: a bad reading (sensor fault, wrong aim) — re-measure, never valid;
- below the low threshold (35.0 °C): too low, re-measure (cold forehead at 7 a.m.);
- at or above the fever threshold (37.3 °C): re-measure with a contact thermometer after
  a pause; a fever is confirmed only by that contact reading; both readings are kept.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

PLAUSIBLE_MIN = 30.0
PLAUSIBLE_MAX = 45.0


class Method(enum.StrEnum):
    INFRARED = "infrared"  # forehead/wrist, non-contact
    CONTACT = "contact"  # armpit/oral, used to confirm a fever
    KEYPAD = "keypad"  # typed by the guard from a hand-held reader


class Reading(enum.StrEnum):
    NORMAL = "normal"
    LOW = "low"
    FEVER = "fever"
    BAD = "bad"


class Verdict(enum.StrEnum):
    MISSING = "missing"
    NORMAL = "normal"
    REMEASURE_BAD = "remeasure-bad"
    REMEASURE_LOW = "remeasure-low"
    REMEASURE_FEVER = "remeasure-fever"  # measure again with a contact thermometer
    FEVER_CONFIRMED = "fever-confirmed"


@dataclass(frozen=True)
class Rules:
    fever_c: float = 37.3
    low_c: float = 35.0
    pause_s: float = 0.0  # a contact re-measure sooner than this after a fever reading does not count


@dataclass(frozen=True)
class Measurement:
    value_c: float
    method: Method
    taken_at: dt.datetime | None = None  # needed for the pause rule; None = time not known


def classify(value_c: float, rules: Rules) -> Reading:
    if not math.isfinite(value_c) or value_c < PLAUSIBLE_MIN or value_c > PLAUSIBLE_MAX:
        return Reading.BAD
    if value_c < rules.low_c:
        return Reading.LOW
    if value_c >= rules.fever_c:
        return Reading.FEVER
    return Reading.NORMAL


def assess(readings: Sequence[Measurement], rules: Rules) -> Verdict:
    """What the sequence of readings for one person means.

    After a fever reading only a contact reading, taken after the pause, decides: at or
    above the threshold it confirms the fever, below it clears it. Another infrared
    reading never clears a fever (a sunny forehead and a cold one both mislead).
    """
    if not readings:
        return Verdict.MISSING
    last = readings[-1]
    kind = classify(last.value_c, rules)
    if kind is Reading.BAD:
        return Verdict.REMEASURE_BAD
    if kind is Reading.LOW:
        return Verdict.REMEASURE_LOW
    if _first_fever(readings[:-1], rules) is not None:
        if last.method is not Method.CONTACT or _too_soon(readings, rules):
            return Verdict.REMEASURE_FEVER
        return Verdict.FEVER_CONFIRMED if kind is Reading.FEVER else Verdict.NORMAL
    return Verdict.NORMAL if kind is Reading.NORMAL else Verdict.REMEASURE_FEVER


def _first_fever(readings: Sequence[Measurement], rules: Rules) -> Measurement | None:
    return next((r for r in readings if classify(r.value_c, rules) is Reading.FEVER), None)


def _too_soon(readings: Sequence[Measurement], rules: Rules) -> bool:
    """Was the latest (contact) reading taken before the pause after the first fever ended?"""
    due = remeasure_due(readings[:-1], rules)
    taken = readings[-1].taken_at
    return due is not None and taken is not None and taken < due


def remeasure_due(readings: Sequence[Measurement], rules: Rules) -> dt.datetime | None:
    """When the contact re-measure may be taken (for the screen's countdown); None if unknown."""
    first = _first_fever(readings, rules)
    if first is None or first.taken_at is None or rules.pause_s <= 0:
        return None
    return first.taken_at + dt.timedelta(seconds=rules.pause_s)


def parse_celsius(text: str) -> float | None:
    """A typed temperature ('36.5', '36,5', '36.5°C'); None if it is not a number."""
    s = (text or "").strip().replace(",", ".").removesuffix("℃").removesuffix("°C").removesuffix("C").strip()
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
