"""Sizes that every .kv rule reads, so elderly mode can enlarge text everywhere at once.

`theme.scale` is a Kivy property: a rule written `font_size: theme.scale * sp(32)` is
re-evaluated when the elderly mode is switched on or off.
"""

from __future__ import annotations

from typing import Any

from kivy.event import EventDispatcher
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, NumericProperty

from kiosk.ui import palette

TOUCH_MIN_MM = 15.0  # smallest touch target a gloved finger hits reliably


class Theme(EventDispatcher):
    scale = NumericProperty(1.0)
    elderly = BooleanProperty(False)
    elderly_scale = NumericProperty(1.35)
    # Taller than wide: the screens stack (preview above prompt and buttons) instead of
    # sitting side by side. Set from the window's size by follow_window, on every resize.
    portrait = BooleanProperty(False)

    def follow_window(self, window: Any) -> None:
        """Keep `portrait` in step with the window's aspect, now and on every resize."""
        self.set_aspect(*window.size)
        window.bind(size=lambda _w, size: self.set_aspect(*size))

    def set_aspect(self, width: float, height: float) -> None:
        self.portrait = height > width

    def on_elderly(self, _inst: object, value: bool) -> None:
        self.scale = self.elderly_scale if value else 1.0

    @property
    def touch_px(self) -> float:
        """A touch target of TOUCH_MIN_MM in pixels, padded by 10 %."""
        return float(Metrics.dpi) / 25.4 * TOUCH_MIN_MM * 1.1


theme = Theme()
colors = {name: palette.rgba(getattr(palette, name)) for name in dir(palette) if name.isupper() and isinstance(getattr(palette, name), str)}
