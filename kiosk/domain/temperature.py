"""Temperature rules at the gate. Pure: readings in, classification and next step out.

- outside 30–45 °C: a bad reading (sensor fault, wrong aim) — re-measure, never valid;
- below the low threshold (35.0 °C): too low, re-measure (cold forehead at 7 a.m.);
- at or above the fever threshold (37.3 °C): re-measure with a contact thermometer after
  a pause; a fever is confirmed only by that contact reading; both readings are kept.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Measurement:
    value_c: float
    method: Method


def classify(value_c: float, rules: Rules) -> Reading:
    if not math.isfinite(value_c) or value_c < PLAUSIBLE_MIN or value_c > PLAUSIBLE_MAX:
        return Reading.BAD
    if value_c < rules.low_c:
        return Reading.LOW
    if value_c >= rules.fever_c:
        return Reading.FEVER
    return Reading.NORMAL


def assess(readings: Sequence[Measurement], rules: Rules) -> Verdict:
    """What the sequence of readings for one person means, the latest reading deciding.

    A fever is confirmed when a contact reading at or above the threshold follows an
    earlier fever reading; a normal contact re-measure clears an infrared fever.
    """
    if not readings:
        return Verdict.MISSING
    last = readings[-1]
    kind = classify(last.value_c, rules)
    if kind is Reading.BAD:
        return Verdict.REMEASURE_BAD
    if kind is Reading.LOW:
        return Verdict.REMEASURE_LOW
    if kind is Reading.NORMAL:
        return Verdict.NORMAL
    earlier_fever = any(classify(r.value_c, rules) is Reading.FEVER for r in readings[:-1])
    if last.method is Method.CONTACT and earlier_fever:
        return Verdict.FEVER_CONFIRMED
    return Verdict.REMEASURE_FEVER


def parse_celsius(text: str) -> float | None:
    """A typed temperature ('36.5', '36,5', '36.5°C'); None if it is not a number."""
    s = (text or "").strip().replace(",", ".").removesuffix("℃").removesuffix("°C").removesuffix("C").strip()
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
