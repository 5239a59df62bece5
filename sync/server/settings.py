"""Server settings: each declared once (type, default, help) and read by pydantic-settings from the
CLI's options, then KIOSK_CENTRAL_* variables, then the defaults; checked when they are read.

`from_env` is the one reader of the environment: it hands pydantic-settings' environment source the
mapping to read (os.environ, or a test's dict), so `ServerSettings(**values)` alone never reads it.

A wrong value stops the start with the variable (and its option) named and what is allowed.
docs/central-server.md's settings table is rendered from these declarations (`settings_table`);
a test keeps the two equal.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from sync.protocol import DEFAULT_CLOCK_WINDOW_S, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_RECORDS
from sync.server.db import sqlite_url

ENV_PREFIX = "KIOSK_CENTRAL_"
BOOLS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
NOT_WHOLE = frozenset({"int_parsing", "int_from_float", "int_type"})
OUT_OF_RANGE = frozenset({"greater_than_equal", "less_than_equal"})


class SettingsError(ValueError):
    pass


def _switch(raw: object) -> object:
    """on/off words as before pydantic (its own set also takes t/f/y/n and no spaces around)."""
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word not in BOOLS:
            raise ValueError(f"must be one of {', '.join(sorted(BOOLS))}")
        return BOOLS[word]
    return raw


Switch = Annotated[bool, BeforeValidator(_switch)]


def _setting(default: Any, help: str, *, lo: int | None = None, hi: int | None = None, unit: str = "", option: str = "",
             shown: str = "") -> Any:
    """One declaration: default, allowed range, help; `option` is its CLI option, `shown` the default as the docs say it."""
    extra: dict[str, str] = {k: v for k, v in (("unit", unit), ("option", option), ("shown", shown)) if v}
    return Field(default, ge=lo, le=hi, description=help, json_schema_extra=dict(extra) or None)


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    data_dir: Path = _setting(Path("central-data"), "keys, admin token, default SQLite file", option="--data-dir")
    db: str = _setting("", "`sqlite:///PATH` or `postgresql+psycopg://…`", option="--db", shown="`sqlite:///DATA_DIR/central.db`")
    host: str = _setting("127.0.0.1", "bind address", option="--host")
    port: int = _setting(8080, "port", lo=1, hi=65535, option="--port")
    workers: int = _setting(1, "worker processes; more than 1 needs PostgreSQL", lo=1, hi=64, option="--workers")
    tls_cert: str = _setting("", "PEM certificate chain: uvicorn serves HTTPS itself; without it and `--tls-key` `serve` refuses any "
                             "address but loopback", option="--tls-cert")
    tls_key: str = _setting("", "PEM private key of `--tls-cert`", option="--tls-key")
    db_pool: int = _setting(20, "PostgreSQL connections each worker keeps open (about the requests it runs at once; a quarter more "
                            "lent for bursts)", lo=1, hi=200, unit="connections per worker", option="--db-pool")
    max_inflight: int = _setting(32, "device requests a worker runs at once; more batches, bundle polls and reports are answered `503` "
                                 "with `Retry-After` 3–10 s at once (code checks at twice this)", lo=1, hi=10_000, unit="requests per worker")
    clock_window_s: int = _setting(DEFAULT_CLOCK_WINDOW_S, "accepted clock difference of a signed request", lo=30, hi=3600, unit="seconds")
    max_batch_records: int = _setting(DEFAULT_MAX_BATCH_RECORDS, "records per batch (413 above)", lo=1, hi=100_000)
    max_batch_bytes: int = _setting(DEFAULT_MAX_BATCH_BYTES, "gzip bytes per batch (413 above)", lo=1024, hi=256 * 1024 * 1024, unit="bytes")
    enroll_ttl_hours: int = _setting(24, "lifetime of an enrolment code", lo=1, hi=24 * 30, unit="hours")
    public_url: str = _setting("", "base URL printed into demo cn-token codes", shown="`http://HOST:PORT`")
    rate_anon_per_minute: int = _setting(120, "unauthenticated requests (and failed signatures or admin tokens) per client address a "
                                         "minute (429 above)", lo=1, hi=10_000_000)
    rate_device_per_minute: int = _setting(1200, "signed requests per device a minute (429 above)", lo=1, hi=10_000_000)
    rate_code_check_per_minute: int = _setting(60, "`/v1/code-check` per device a minute, besides the device limit (a check can "
                                               "probe ID numbers)", lo=1, hi=10_000_000)
    body_timeout_s: int = _setting(30, "a request body must arrive within this many seconds of its headers (408)", lo=1, hi=600,
                                   unit="seconds")
    sync_log_retention_days: int = _setting(90, "sync-log and refused-request rows older than this are deleted (hourly)", lo=1,
                                            hi=3650, unit="days")
    api_docs: Switch = _setting(False, "`on`: serve `/docs` and `/openapi.json` to anyone (development); otherwise the document is "
                                "at `/admin/openapi.json` for admins", shown="off")
    alert_webhook_url: str = _setting("", "new alerts are POSTed here, signed (an http(s) URL); empty: no notification")
    alert_webhook_secret: str = _setting("", "HMAC-SHA256 key (16+ characters) for the `X-Kiosk-Alert-Signature` header")
    timezone: str = _setting("Asia/Shanghai", "the communities' local day (reports, monitoring) and the zone the admin listings show "
                             "times in (`--timezone` on the listings)", option="--timezone")
    monitoring_days: str = _setting("", "monitoring period per key-person category, e.g. `inbound=14,cold-chain=7` (1–60 days "
                                    "each); missing ones 14")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource, env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource, file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment comes in through from_env; no .env or secrets files

    @field_validator("alert_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("monitoring_days")
    @classmethod
    def _days(cls, value: str) -> str:
        try:
            monitoring_periods(value)
        except ValueError:
            raise ValueError("must look like inbound=14,cold-chain=7 (1-60 days each)") from None
        return value

    @field_validator("db")
    @classmethod
    def _database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:///", "postgresql")):
            raise ValueError("must be sqlite:///PATH or postgresql+psycopg://...")
        return value

    @model_validator(mode="after")
    def _together(self) -> ServerSettings:
        """Checks that need two settings; each names the one to change."""
        if self.alert_webhook_url and len(self.alert_webhook_secret) < 16:
            raise _conflict("alert_webhook_secret", f"{len(self.alert_webhook_secret)} characters; must be at least 16 when a "
                            "webhook URL is set")
        if self.workers > 1 and self.db_url.startswith("sqlite"):
            raise _conflict("workers", f"{self.workers}; --workers > 1 needs PostgreSQL (--db postgresql+psycopg://...); "
                            "SQLite has one writer")
        return self

    @property
    def db_url(self) -> str:
        return self.db or sqlite_url(self.data_dir / "central.db")

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        return (self.public_url or f"{scheme}://{self.host}:{self.port}").rstrip("/")

    def serving_problem(self) -> str | None:
        """Why `serve` must not start with these settings: plain HTTP on a non-loopback address, or half a TLS pair."""
        if bool(self.tls_cert) != bool(self.tls_key):
            return f"{ENV_PREFIX}TLS_CERT and {ENV_PREFIX}TLS_KEY (--tls-cert/--tls-key) go together"
        for name in ("tls_cert", "tls_key"):
            path = getattr(self, name)
            if path and not Path(path).is_file():
                return f"{label(name)}: no such file {path!r}"
        if not self.tls_cert and not _loopback(self.host):
            return (f"refusing plain HTTP on {self.host}: device secrets and records would travel in clear. Bind 127.0.0.1 behind "
                    "a TLS reverse proxy (docs/central-server.md), or give --tls-cert and --tls-key")
        return None


def _conflict(name: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("settings_conflict", "{message}", {"setting": name, "message": message})


class _Environment(EnvSettingsSource):
    """The KIOSK_CENTRAL_* variables of a given mapping: os.environ in the server, a plain dict in tests."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(ServerSettings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def from_env(env: Mapping[str, str] | None = None, **overrides: object) -> ServerSettings:
    """Explicit (non-None) overrides, then KIOSK_CENTRAL_* variables of `env` (default os.environ), then the defaults."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return ServerSettings(**(_Environment(os.environ if env is None else env)() | given))
    except ValidationError as exc:
        raise SettingsError("; ".join(_problem(e) for e in exc.errors(include_url=False))) from None


def to_env(settings: ServerSettings) -> dict[str, str]:
    """For worker processes started by uvicorn: they rebuild the settings from these."""
    return {env_name(name): str(value) for name, value in settings.model_dump().items()}


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _extra(name: str) -> dict[str, Any]:
    declared = ServerSettings.model_fields.get(name)
    extra = declared.json_schema_extra if declared is not None else None
    return extra if isinstance(extra, dict) else {}


def label(name: str) -> str:
    """How a message names a setting: its variable, and its option where it has one."""
    option = _extra(name).get("option")
    return env_name(name) + (f" / {option}" if option else "")


def _bounds(name: str) -> tuple[object, object]:
    lo = hi = None
    for rule in ServerSettings.model_fields[name].metadata:
        lo = getattr(rule, "ge", lo)
        hi = getattr(rule, "le", hi)
    return lo, hi


def _problem(error: ErrorDetails) -> str:
    """One validation error as the message the admin reads: the setting, the value, what is allowed."""
    ctx = error.get("ctx") or {}
    name = str(error["loc"][0]) if error["loc"] else str(ctx.get("setting", ""))
    if name not in ServerSettings.model_fields:
        return f"{name}: unknown setting"
    if error["type"] == "settings_conflict":
        return f"{label(name)}: {ctx['message']}"
    if error["type"] in NOT_WHOLE:
        return f"{env_name(name)}={error['input']!r} is not a whole number"
    if error["type"] in OUT_OF_RANGE:
        lo, hi = _bounds(name)
        unit = _extra(name).get("unit")
        why = f"must be {lo}-{hi}" + (f" {unit}" if unit else "")
    elif error["type"] == "value_error":
        why = str(ctx.get("error", error["msg"]))
    else:
        why = error["msg"]
    return f"{label(name)}: {error['input']!r} {why}"


def settings_table() -> str:
    """The option / environment / default / meaning table of docs/central-server.md."""
    rows = ["| option | environment | default | meaning |", "| --- | --- | --- | --- |"]
    for name, declared in ServerSettings.model_fields.items():
        extra = _extra(name)
        default = declared.default
        shown = extra.get("shown") or (f"`{default}`" if isinstance(default, str | Path) and str(default) else str(default or "–"))
        option = f"`{extra['option']}`" if extra.get("option") else "–"
        rows.append(f"| {option} | `{env_name(name)}` | {shown} | {declared.description} |")
    return "\n".join(rows) + "\n"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def local_today(zone: str) -> date:
    """Today's date in the communities' zone."""
    return datetime.now(ZoneInfo(zone)).date()


def monitoring_periods(text: str) -> dict[str, int]:
    """"inbound=14,cold-chain=7" -> {"inbound": 14, "cold-chain": 7}; ValueError when malformed."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, days = part.partition("=")
        if not sep or not name.strip() or not days.strip().isdigit() or not 1 <= int(days) <= 60:
            raise ValueError(part)
        out[name.strip()] = int(days)
    return out
