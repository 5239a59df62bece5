"""Every screen at the kiosk's three shapes: a tall 1080x1920 totem, a 800x1280 tablet
standing up and the 1280x800 landscape gate screen, each on an X screen of that size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Run = Callable[..., dict[str, Any]]
SIZES = ["1080x1920", "800x1280", "1280x800"]


@pytest.mark.parametrize("window", SIZES)
def test_every_screen_lays_itself_out_for_the_window_shape(run_scenario: Run, window: str) -> None:
    r = run_scenario("shapes", window=window)
    f = r["facts"]
    width, height = (int(v) for v in window.split("x"))
    assert f["window"] == [width, height]
    portrait = height > width
    assert f["portrait"] is portrait
    stacked = "above" if portrait else "beside"
    assert f["idle"] == stacked  # the camera preview above the prompt, or beside it
    assert f["temperature"] == stacked  # the readings above the keypad, or beside it
    assert f["result"] == stacked  # the big sign above the headline, or beside it
    assert f["nophone"] == stacked and f["admin_pin"] == stacked  # the form above its keypad, or beside it
    assert f["headline"] == "通行"
    assert f["idle_after_resize"] == ("beside" if portrait else "above")  # turned round by a resize
    assert len(f["screens"]) >= 8
    assert f["too_small"] == [], "\n".join(f["too_small"])
    for lines in (f["admin_header_lines"], f["admin_header_lines_elderly"]):  # texture height / font size: one line is about 1.2
        assert all(h < 1.8 for h in lines), lines
    assert {p.rsplit("/", 1)[-1] for p in r["screenshots"]} >= {
        "shape-idle.png", "shape-temperature.png", "shape-result.png", "shape-visitor.png", "shape-nophone.png",
        "shape-admin_pin.png", "shape-visitor-elderly.png", "shape-idle-elderly.png"}
    assert all(f"/{window}/" in p for p in r["screenshots"])
