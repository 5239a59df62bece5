"""Colours of the screens, and the WCAG contrast arithmetic a test checks them with.

No Kivy here. Every pair of (text, background) that a screen draws is listed in
TEXT_PAIRS, and tests/ui/test_look_and_language.py requires a contrast of at least 4.5:1 for each
(WCAG 2.x AA for normal text), so a guard in low sun can still read them.
"""

from __future__ import annotations

RGB = tuple[float, float, float]


def hex_rgb(code: str) -> RGB:
    code = code.lstrip("#")
    return (int(code[0:2], 16) / 255, int(code[2:4], 16) / 255, int(code[4:6], 16) / 255)


def rgba(code: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """Kivy wants 0..1 floats."""
    return (*hex_rgb(code), alpha)


def relative_luminance(rgb: RGB) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(hex_rgb(a)), relative_luminance(hex_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Backgrounds
BG = "#10151E"  # idle and forms: dark, no glare at night
PANEL = "#1E2633"
FIELD = "#FFFFFF"
FIELD_FOCUS = "#FFF4C2"  # the field the keyboard types into: pale yellow with a ring
FOCUS_RING = "#FFD166"
PASS_BG = "#0B6E2E"  # green
DENY_BG = "#A4161A"  # red
REVIEW_BG = "#F2B600"  # amber
# Texts and controls
TEXT = "#FFFFFF"
TEXT_MUTED = "#C9D1DC"
TEXT_ON_FIELD = "#111111"
TEXT_ON_REVIEW = "#111111"
ERROR_TEXT = "#FFB4AB"  # field errors on the dark background
BUTTON = "#2F5FD0"
BUTTON_TEXT = "#FFFFFF"
BUTTON_DANGER = "#B3261E"
BUTTON_QUIET = "#3A4556"
OK_TEXT = "#7EE2A8"  # "online" in the status bar
WARN_TEXT = "#FFD166"  # "offline", "camera lost"
PARKED_TEXT = "#FFB4AB"  # a sync attempt whose records were parked
REFUSED_TEXT = "#FF9E9E"  # a sync attempt the server refused (credentials, revoked)
CHART_IN = "#6FA8FF"  # entries per hour
CHART_OUT = "#7EE2A8"  # exits per hour

# (name, text colour, background colour) for every combination drawn on a screen
TEXT_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("idle text", TEXT, BG),
    ("muted text", TEXT_MUTED, BG),
    ("panel text", TEXT, PANEL),
    ("muted panel text", TEXT_MUTED, PANEL),
    ("field text", TEXT_ON_FIELD, FIELD),
    ("focused field text", TEXT_ON_FIELD, FIELD_FOCUS),
    ("pass result", TEXT, PASS_BG),
    ("deny result", TEXT, DENY_BG),
    ("review result", TEXT_ON_REVIEW, REVIEW_BG),
    ("field error", ERROR_TEXT, BG),
    ("field error on panel", ERROR_TEXT, PANEL),
    ("button", BUTTON_TEXT, BUTTON),
    ("danger button", BUTTON_TEXT, BUTTON_DANGER),
    ("quiet button", BUTTON_TEXT, BUTTON_QUIET),
    ("status online", OK_TEXT, PANEL),
    ("status warning", WARN_TEXT, PANEL),
    ("sync parked", PARKED_TEXT, PANEL),
    ("sync refused", REFUSED_TEXT, PANEL),
    ("sync ok on background", OK_TEXT, BG),
    ("sync retry on background", WARN_TEXT, BG),
    ("sync parked on background", PARKED_TEXT, BG),
    ("sync refused on background", REFUSED_TEXT, BG),
    ("chart entries", CHART_IN, PANEL),
    ("chart exits", CHART_OUT, PANEL),
)
