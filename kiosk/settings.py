"""Every setting of the kiosk, declared once: name, type, default, unit, help, bounds.

`config/kiosk.toml` and `docs/configuration.md` document exactly these (a test checks it);
`kiosk config docs` regenerates the Markdown. Secrets never appear here: the device key
and the admin PIN hash live in the data folder, outside the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str  # "section.key"
    type: type  # str, int, float, bool or list (of str)
    default: Any
    help: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def env_var(self) -> str:
        return "KIOSK_" + self.name.replace(".", "_").upper()


S = Setting

SETTINGS: tuple[Setting, ...] = (
    # --- the gate ---
    S("kiosk.community_name", str, "示范社区", "Community name shown on the idle screen"),
    S("kiosk.gate_name", str, "东门", "Name of this gate (卡口) shown on the idle screen"),
    S("kiosk.timezone", str, "Asia/Shanghai", "IANA time zone used to show times and cut report days"),
    S("kiosk.language", str, "zh_CN", "Language of the screens at start", choices=("zh_CN", "en")),
    # --- local store ---
    S("store.data_dir", str, "", "Folder for the database, keys and logs; empty = ~/.local/share/checkpoint-kiosk"),
    S("store.busy_timeout_ms", int, 5000, "How long a reader waits for the writer's lock", unit="ms", min=100, max=60000),
    S("store.retention_days", int, 28, "Acknowledged records older than this are purged", unit="days", min=1, max=3650),
    # --- temperature ---
    S("temperature.fever_threshold", float, 37.3, "At or above this a reading is fever: re-measure with a contact thermometer", unit="°C", min=37.0, max=38.5),
    S("temperature.low_threshold", float, 35.0, "Below this a reading is too low (cold forehead): re-measure", unit="°C", min=34.0, max=36.0),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
