"""Load settings from config/kiosk.toml (or $KIOSK_CONFIG) plus KIOSK_* environment overrides.

A wrong setting stops the start with the file, the key and the reason.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
import zoneinfo
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk.settings import BY_NAME, SETTINGS, Setting

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "kiosk.toml"
# Environment variables that name files, not settings.
RESERVED_ENV = frozenset({"KIOSK_CONFIG"})


class ConfigError(ValueError):
    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.source, self.key, self.reason = source, key, reason


class Config(Mapping[str, Any]):
    """Validated settings, read-only, addressed by dotted name."""

    def __init__(self, values: dict[str, Any], sources: dict[str, str]) -> None:
        self._values = values
        self.sources = sources

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed (names use '__' for '.'), validated."""
        values = dict(self._values)
        for k, v in changes.items():
            name = k.replace("__", ".")
            setting = BY_NAME.get(name)
            if setting is None:
                raise ConfigError("replace()", name, "unknown setting")
            values[name] = _check(setting, v, "replace()")
        return Config(values, dict(self.sources))

    @property
    def data_dir(self) -> Path:
        explicit = self["store.data_dir"]
        if explicit:
            return Path(explicit).expanduser()
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "checkpoint-kiosk"

    @property
    def secrets_dir(self) -> Path:
        explicit = self["store.secrets_dir"]
        if explicit:
            return Path(explicit).expanduser()
        return self.data_dir.parent / f"{self.data_dir.name}-secrets"  # = kiosk.store.secrets.default_secrets_dir

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kiosk.db"


def server_url_problem(url: str) -> str | None:
    """Why `url` is not a server base URL a device secret may travel to, or None. One rule for
    `kiosk provision --server` and the `sync.server_url` setting: https, or plain http only to
    this machine (loopback), and no ?query or #fragment."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http(s) URL such as https://central.example.org, got {url!r}"
    if parts.query or parts.fragment:
        return f"must be a base URL without ?query or #fragment, got {url!r}"
    if parts.scheme == "http":
        host = parts.hostname
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            return f"refusing plain http to {host}: the device secret and the records would travel in clear; use https"
    return None


def _check(setting: Setting, value: Any, source: str) -> Any:
    name, t = setting.name, setting.type
    if t is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if t is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(source, name, f"expected a list of strings, got {value!r}")
    elif not isinstance(value, t) or (t is int and isinstance(value, bool)):
        raise ConfigError(source, name, f"expected {t.__name__}, got {type(value).__name__} {value!r}")
    if setting.min is not None and value < setting.min:
        raise ConfigError(source, name, f"{value} is below the minimum {setting.min} {setting.unit}".rstrip())
    if setting.max is not None and value > setting.max:
        raise ConfigError(source, name, f"{value} is above the maximum {setting.max} {setting.unit}".rstrip())
    if setting.choices and value not in setting.choices:
        raise ConfigError(source, name, f"{value!r} is not one of {', '.join(setting.choices)}")
    if name == "sync.server_url" and value and (problem := server_url_problem(value)):
        raise ConfigError(source, name, problem)
    if name == "kiosk.timezone":
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(source, name, f"unknown time zone {value!r}") from None
    return value


def _parse_env(setting: Setting, raw: str, source: str) -> Any:
    t = setting.type
    try:
        if t is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if t is list:
            return [p.strip() for p in raw.split(",") if p.strip()]
        return t(raw.strip()) if t is not str else raw
    except ValueError:
        raise ConfigError(source, setting.name, f"expected {t.__name__}, got {raw!r}") from None


def _flatten(doc: dict[str, Any], source: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, table in doc.items():
        if not isinstance(table, dict):
            raise ConfigError(source, section, "expected a [section] table")
        for key, value in table.items():
            flat[f"{section}.{key}"] = value
    return flat


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Defaults, then the TOML file, then KIOSK_* variables; every value validated."""
    env = os.environ if env is None else env
    if path is None:
        path = env.get("KIOSK_CONFIG") or REPO_CONFIG
    path = Path(path)
    values = {s.name: s.default for s in SETTINGS}
    sources = {s.name: "default" for s in SETTINGS}
    if path.exists() or str(path) != str(REPO_CONFIG):
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(str(path), "-", f"cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), "-", f"not valid TOML: {exc}") from None
        for name, value in _flatten(doc, str(path)).items():
            setting = BY_NAME.get(name)
            if setting is None:
                raise ConfigError(str(path), name, "unknown setting")
            values[name] = _check(setting, value, str(path))
            sources[name] = str(path)
    by_env = {s.env_var: s for s in SETTINGS}
    # KIOSK_<SECTION>_... for a declared section must name a setting (catches typos);
    # other KIOSK_* variables (KIOSK_CENTRAL_*, test helpers) are not ours to judge.
    sections = tuple(f"KIOSK_{s.section.upper()}_" for s in SETTINGS)
    for var, raw in env.items():
        if not var.startswith(sections) or var in RESERVED_ENV:
            continue
        setting = by_env.get(var)
        if setting is None:
            raise ConfigError("environment", var, "unknown setting override")
        values[setting.name] = _check(setting, _parse_env(setting, raw, "environment"), f"environment {var}")
        sources[setting.name] = f"environment {var}"
    return Config(values, sources)


def render_docs() -> str:
    """docs/configuration.md, generated from SETTINGS (`kiosk config docs`)."""
    lines = [
        "# Configuration",
        "",
        "Generated by `kiosk config docs` from `kiosk/settings.py`; do not edit by hand.",
        "",
        "Settings are read from `config/kiosk.toml` (or the file named by `KIOSK_CONFIG`),",
        "then from environment variables `KIOSK_<SECTION>_<KEY>` (lists: comma-separated).",
        "A wrong value stops the kiosk at start with the file, the key and the reason.",
        "",
        "| setting | environment | type | default | unit | range | meaning |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        rng = ""
        if s.choices:
            rng = " / ".join(s.choices)
        elif s.min is not None or s.max is not None:
            rng = f"{s.min if s.min is not None else ''}–{s.max if s.max is not None else ''}"
        lines.append(
            f"| `{s.name}` | `{s.env_var}` | {s.type.__name__} | `{s.default!r}` | {s.unit} | {rng} | {s.help} |"
        )
    return "\n".join(lines) + "\n"
