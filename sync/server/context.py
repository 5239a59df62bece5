"""What every request handler of one server process shares: settings, engine, keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from sync.server import keys
from sync.server.db import make_engine, upgrade
from sync.server.settings import ServerSettings


@dataclass(frozen=True)
class ServerContext:
    settings: ServerSettings
    engine: Engine
    bundle_key: Ed25519PrivateKey
    admin_token: str
    opened: ClassVar[list[ServerContext]] = []  # so a CLI run can release every engine it made

    @classmethod
    def open(cls, settings: ServerSettings, *, migrate: bool = True) -> ServerContext:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.db_url)
        if migrate:
            upgrade(engine)
        ctx = cls(settings, engine, keys.bundle_key(settings.data_dir), keys.admin_token(settings.data_dir))
        cls.opened.append(ctx)
        return ctx

    @classmethod
    def close_all(cls) -> None:
        while cls.opened:
            cls.opened.pop().engine.dispose()
