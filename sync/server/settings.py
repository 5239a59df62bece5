"""Server settings: CLI options with KIOSK_CENTRAL_* environment fall-backs, checked at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from sync.protocol import DEFAULT_CLOCK_WINDOW_S, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_RECORDS
from sync.server.db import sqlite_url

ENV_PREFIX = "KIOSK_CENTRAL_"


class SettingsError(ValueError):
    pass


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

    @property
    def db_url(self) -> str:
        return self.db or sqlite_url(self.data_dir / "central.db")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

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
            ("db", self.db == "" or self.db.startswith(("sqlite:///", "postgresql")), "must be sqlite:///PATH or postgresql+psycopg://..."),
        ]
        for name, ok, why in checks:
            if not ok:
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} / --{name.replace('_', '-')}: {getattr(self, name)!r} {why}")
        if self.workers > 1 and self.db_url.startswith("sqlite"):
            raise SettingsError("--workers > 1 needs PostgreSQL (--db postgresql+psycopg://...); SQLite has one writer")
        return self


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
        elif f.type in ("Path", Path):
            values[f.name] = Path(raw)
        else:
            values[f.name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(ServerSettings(), **values).validated()  # type: ignore[arg-type]


def to_env(settings: ServerSettings) -> dict[str, str]:
    """For worker processes started by uvicorn: they rebuild the settings from these."""
    return {ENV_PREFIX + f.name.upper(): str(getattr(settings, f.name)) for f in fields(ServerSettings)}
