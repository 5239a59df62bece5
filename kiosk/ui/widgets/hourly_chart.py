"""Entries and exits per hour as paired bars, drawn with Kivy's canvas (no plotting library:
24 pairs of rectangles and a few labels are all the report needs)."""

from __future__ import annotations

from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.metrics import sp
from kivy.properties import ListProperty, NumericProperty
from kivy.uix.widget import Widget

from kiosk.ui import palette
from kiosk.ui.lang import tr


class HourlyChart(Widget):
    data = ListProperty([])  # 24 (entries, exits) pairs, local hours 0..23
    peak = NumericProperty(0)  # the tallest bar's value (tests read it)
    bars = ListProperty([])  # the drawn bars as (hour, 'in'|'out', x, y, w, h) for tests

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(data=self._redraw, pos=self._redraw, size=self._redraw)

    def _text(self, text: str, size: float) -> Any:
        label = CoreLabel(text=text, font_name="CJK", font_size=size)
        label.refresh()
        return label.texture

    def _redraw(self, *_args: Any) -> None:
        self.canvas.clear()
        data = [(int(a), int(b)) for a, b in self.data] if self.data else [(0, 0)] * 24
        self.peak = max(max(a, b) for a, b in data)
        top = max(self.peak, 1)
        font = sp(15)
        legend_h, axis_h, left = font * 1.8, font * 1.6, font * 3.2
        x0, y0 = self.x + left, self.y + axis_h
        w, h = max(self.width - left - font, 1), max(self.height - axis_h - legend_h, 1)
        slot = w / 24
        bars = []
        with self.canvas:
            Color(*palette.rgba(palette.PANEL))
            Rectangle(pos=self.pos, size=self.size)
            Color(*palette.rgba(palette.TEXT_MUTED))
            Line(points=[x0, y0, x0 + w, y0], width=1)
            for frac in (0.5, 1.0):  # two grid lines with their values
                gy = y0 + h * frac
                Color(*palette.rgba(palette.BUTTON_QUIET))
                Line(points=[x0, gy, x0 + w, gy], width=1)
                tex = self._text(f"{round(top * frac)}", font)
                Color(*palette.rgba(palette.TEXT_MUTED))
                Rectangle(texture=tex, size=tex.size, pos=(x0 - tex.width - font * 0.4, gy - tex.height / 2))
            for hour, (n_in, n_out) in enumerate(data):
                bx = x0 + hour * slot + slot * 0.12
                bw = slot * 0.36
                for i, (n, colour, which) in enumerate(((n_in, palette.CHART_IN, "in"), (n_out, palette.CHART_OUT, "out"))):
                    bh = h * n / top
                    if bh > 0:
                        Color(*palette.rgba(colour))
                        Rectangle(pos=(bx + i * bw, y0), size=(bw, bh))
                    bars.append((hour, which, bx + i * bw, y0, bw, bh))
                if hour % 3 == 0:
                    tex = self._text(f"{hour:02d}", font)
                    Color(*palette.rgba(palette.TEXT_MUTED))
                    Rectangle(texture=tex, size=tex.size, pos=(x0 + hour * slot, self.y + font * 0.2))
            lx = x0
            for colour, words in ((palette.CHART_IN, tr._("Entries in")), (palette.CHART_OUT, tr._("Entries out"))):
                Color(*palette.rgba(colour))
                Rectangle(pos=(lx, self.top - legend_h + font * 0.3), size=(font, font))
                tex = self._text(words, font)
                Rectangle(texture=tex, size=tex.size, pos=(lx + font * 1.4, self.top - legend_h + font * 0.15))
                lx += font * 2 + tex.width + font
        self.bars = bars
