"""UI scenarios: each drives the real App by touch and returns facts for its test.

`setup_<name>(cfg, store, shots)` runs before the App starts (as an admin or the central
server would have prepared the kiosk) and returns (cfg, ctx). The test then opens the
same database on its own and checks what was recorded. The driver finds a scenario by
name in this package.
"""

from tests.ui.scenarios.admin import admin_day, setup_admin_day
from tests.ui.scenarios.common import services_for
from tests.ui.scenarios.faults import setup_store_full, store_full
from tests.ui.scenarios.forms import guard_override, region_picker, setup_guard_override, setup_region_picker, visitor
from tests.ui.scenarios.gate import (
    gate_pass,
    setup_gate_pass,
    setup_slow_platform,
    setup_temperature,
    slow_platform,
    temperature,
)
from tests.ui.scenarios.lanes import (
    fever_wait,
    lockdown_scan,
    nophone_offline,
    setup_fever_wait,
    setup_lockdown_scan,
    setup_nophone_offline,
    setup_thermometer_serial,
    thermometer_serial,
)
from tests.ui.scenarios.screens import admin_pin, gallery, language, setup_admin_pin, smoke
from tests.ui.scenarios.shapes import setup_shapes, shapes
from tests.ui.scenarios.terminal import watchdog, window

__all__ = [
    "admin_day", "admin_pin", "setup_admin_day", "gallery", "gate_pass", "guard_override", "language", "region_picker", "services_for",
    "setup_admin_pin", "setup_region_picker",
    "setup_gate_pass", "setup_guard_override", "setup_slow_platform", "setup_temperature", "slow_platform",
    "smoke", "temperature", "visitor", "watchdog", "window", "setup_store_full", "store_full",
    "fever_wait", "lockdown_scan", "nophone_offline", "setup_fever_wait", "setup_lockdown_scan",
    "setup_nophone_offline", "setup_thermometer_serial", "thermometer_serial", "setup_shapes", "shapes",
]
