"""Server settings: CLI options with KIOSK_CENTRAL_* environment fall-backs, checked at start."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path

from sync.protocol import DEFAULT_CLOCK_WINDOW_S, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_RECORDS
from sync.server.db import sqlite_url

ENV_PREFIX = "KIOSK_CENTRAL_"
BOOLS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


class SettingsError(ValueError):
    pass


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path = Path("central-data")  # keys, admin token and (by default) the SQLite file
    db: str = ""  # SQLAlchemy URL; empty = sqlite file central.db in data_dir
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    db_pool: int = 20  # PostgreSQL connections each worker keeps open: about the requests it runs at once
    max_inflight: int = 32  # device requests a worker runs at once; more are answered 503 + Retry-After (shedding)
    clock_window_s: int = DEFAULT_CLOCK_WINDOW_S
    max_batch_records: int = DEFAULT_MAX_BATCH_RECORDS
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES
    enroll_ttl_hours: int = 24
    public_url: str = ""  # base URL printed into demo cn-token codes; empty = http://host:port
    rate_anon_per_minute: int = 120  # unauthenticated requests per source address (429 above)
    rate_device_per_minute: int = 1200  # signed requests per device
    rate_code_check_per_minute: int = 60  # code checks per device: a check can be used to probe ID numbers
    body_timeout_s: int = 30  # a request body must have arrived this long after its headers (408)
    sync_log_retention_days: int = 90  # sync-log rows (and refused-request rows) older than this are deleted
    tls_cert: str = ""  # PEM certificate chain: uvicorn serves HTTPS itself (else keep it on loopback behind a TLS proxy)
    tls_key: str = ""  # PEM private key of tls_cert
    api_docs: bool = False  # serve /docs and /openapi.json to anyone (development only); admins always get /admin/openapi.json
    alert_webhook_url: str = ""  # new alerts are POSTed here (signed); empty = no notification
    alert_webhook_secret: str = ""  # HMAC-SHA256 key for the X-Kiosk-Alert-Signature header
    timezone: str = "Asia/Shanghai"  # the communities' local day (reports, monitoring) and the admin listings' times
    monitoring_days: str = ""  # per key-person category, e.g. "inbound=14,cold-chain=7"; missing ones 14

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
                return f"{ENV_PREFIX}{name.upper()} / --{name.replace('_', '-')}: no such file {path!r}"
        if not self.tls_cert and not _loopback(self.host):
            return (f"refusing plain HTTP on {self.host}: device secrets and records would travel in clear. Bind 127.0.0.1 behind "
                    "a TLS reverse proxy (docs/central-server.md), or give --tls-cert and --tls-key")
        return None

    def validated(self) -> ServerSettings:
        checks = [
            ("port", 1 <= self.port <= 65535, "must be 1-65535"),
            ("workers", 1 <= self.workers <= 64, "must be 1-64"),
            ("db_pool", 1 <= self.db_pool <= 200, "must be 1-200 connections per worker"),
            ("max_inflight", 1 <= self.max_inflight <= 10_000, "must be 1-10000 requests per worker"),
            ("clock_window_s", 30 <= self.clock_window_s <= 3600, "must be 30-3600 seconds"),
            ("max_batch_records", 1 <= self.max_batch_records <= 100_000, "must be 1-100000"),
            ("max_batch_bytes", 1024 <= self.max_batch_bytes <= 256 * 1024 * 1024, "must be 1 KiB-256 MiB"),
            ("enroll_ttl_hours", 1 <= self.enroll_ttl_hours <= 24 * 30, "must be 1-720 hours"),
            ("rate_anon_per_minute", 1 <= self.rate_anon_per_minute <= 10_000_000, "must be 1-10000000"),
            ("rate_device_per_minute", 1 <= self.rate_device_per_minute <= 10_000_000, "must be 1-10000000"),
            ("rate_code_check_per_minute", 1 <= self.rate_code_check_per_minute <= 10_000_000, "must be 1-10000000"),
            ("body_timeout_s", 1 <= self.body_timeout_s <= 600, "must be 1-600 seconds"),
            ("sync_log_retention_days", 1 <= self.sync_log_retention_days <= 3650, "must be 1-3650 days"),
            ("alert_webhook_url", self.alert_webhook_url == "" or self.alert_webhook_url.startswith(("http://", "https://")), "must be an http(s) URL"),
            ("alert_webhook_secret", self.alert_webhook_url == "" or len(self.alert_webhook_secret) >= 16, "must be at least 16 characters when a webhook URL is set"),
            ("timezone", _zone_ok(self.timezone), "must be an IANA time zone such as Asia/Shanghai"),
            ("monitoring_days", _days_ok(self.monitoring_days), "must look like inbound=14,cold-chain=7 (1-60 days each)"),
            ("db", self.db == "" or self.db.startswith(("sqlite:///", "postgresql")), "must be sqlite:///PATH or postgresql+psycopg://..."),
        ]
        for name, ok, why in checks:
            if not ok:
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} / --{name.replace('_', '-')}: {getattr(self, name)!r} {why}")
        if self.workers > 1 and self.db_url.startswith("sqlite"):
            raise SettingsError("--workers > 1 needs PostgreSQL (--db postgresql+psycopg://...); SQLite has one writer")
        return self


def local_today(zone: str) -> date:
    """Today's date in the communities' zone."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(zone)).date()


def _zone_ok(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def monitoring_periods(text: str) -> dict[str, int]:
    """"inbound=14,cold-chain=7" -> {"inbound": 14, "cold-chain": 7}; ValueError when malformed."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, days = part.partition("=")
        if not sep or not name.strip() or not days.strip().isdigit() or not 1 <= int(days) <= 60:
            raise ValueError(part)
        out[name.strip()] = int(days)
    return out


def _days_ok(text: str) -> bool:
    try:
        monitoring_periods(text)
    except ValueError:
        return False
    return True


def from_env(env: Mapping[str, str] | None = None, **overrides: object) -> ServerSettings:
    """Defaults, then KIOSK_CENTRAL_* variables, then explicit (non-None) overrides."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in fields(ServerSettings):
        raw = env.get(ENV_PREFIX + f.name.upper())
        if raw is None:
            continue
        if f.type in ("int", int):
            try:
                values[f.name] = int(raw)
            except ValueError:
                raise SettingsError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a whole number") from None
        elif f.type in ("bool", bool):
            if raw.strip().lower() not in BOOLS:
                raise SettingsError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} must be one of {', '.join(sorted(BOOLS))}")
            values[f.name] = BOOLS[raw.strip().lower()]
        elif f.type in ("Path", Path):
            values[f.name] = Path(raw)
        else:
            values[f.name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(ServerSettings(), **values).validated()  # type: ignore[arg-type]


def to_env(settings: ServerSettings) -> dict[str, str]:
    """For worker processes started by uvicorn: they rebuild the settings from these."""
    return {ENV_PREFIX + f.name.upper(): str(getattr(settings, f.name)) for f in fields(ServerSettings)}
