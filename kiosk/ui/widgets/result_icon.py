"""The result symbol, drawn with lines (no font needed): ✓ pass, ✗ deny, ! review.

Colour alone never carries the result (colour-blind guards and residents): the shape and
the words say it too.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line
from kivy.properties import ListProperty, StringProperty
from kivy.uix.widget import Widget


class ResultIcon(Widget):
    kind = StringProperty("pass")  # pass / deny / review
    color = ListProperty([1, 1, 1, 1])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, kind=self._draw, color=self._draw)

    def _draw(self, *_a: Any) -> None:
        self.canvas.clear()
        s = min(self.width, self.height)
        cx, cy = self.center
        w = max(4.0, s * 0.08)
        with self.canvas:
            Color(*self.color)
            Line(circle=(cx, cy, s * 0.45), width=w * 0.6)
            if self.kind == "pass":
                Line(points=[cx - s * 0.22, cy, cx - s * 0.05, cy - s * 0.18, cx + s * 0.25, cy + s * 0.2], width=w, cap="round", joint="round")
            elif self.kind == "deny":
                d = s * 0.2
                Line(points=[cx - d, cy - d, cx + d, cy + d], width=w, cap="round")
                Line(points=[cx - d, cy + d, cx + d, cy - d], width=w, cap="round")
            else:
                Line(points=[cx, cy - s * 0.02, cx, cy + s * 0.25], width=w, cap="round")
                Line(circle=(cx, cy - s * 0.2, w * 0.4), width=w * 0.5)
