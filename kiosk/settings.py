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
    # --- sync (issue 6, kiosk side): uploads, bundle pulls, retries ---
    S("sync.server_url", str, "", "Central server base URL; empty = the one saved by `kiosk provision`"),
    S("sync.ca_bundle", str, "", "PEM file of the CA certificates trusted for the server; empty = the system's CAs"),
    S("sync.batch_max_records", int, 500, "Most records in one upload batch", unit="records", min=1, max=10000),
    S("sync.batch_max_bytes", int, 1000000, "Most bytes of record JSON in one upload batch (before gzip)", unit="bytes", min=1024, max=50000000),
    S("sync.interval_s", float, 30.0, "The worker wakes at least this often (and at once on a new record)", unit="s", min=0.05, max=3600.0),
    S("sync.pull_interval_s", float, 300.0, "How often the bundle is asked for (cheap: ETag)", unit="s", min=1.0, max=86400.0),
    S("sync.timeout_s", float, 10.0, "Network timeout of one upload or pull request", unit="s", min=0.1, max=120.0),
    S("sync.backoff_base_s", float, 1.0, "First retry delay; doubles per attempt, with full jitter", unit="s", min=0.001, max=60.0),
    S("sync.backoff_cap_s", float, 300.0, "Longest retry delay (Retry-After from the server is honoured up to 1 h)", unit="s", min=0.01, max=300.0),
    S("sync.skew_warn_s", int, 120, "Clock difference to the server shown to the admin above this", unit="s", min=5, max=3600),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
