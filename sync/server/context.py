"""What every request handler of one server process shares: settings, engine, keys.

Whoever opens a context closes it: the app when it shuts down (its lifespan), a CLI run when its
command returns (cli.open_context), a test with `with ServerContext.open(...) as ctx`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from sync.server import keys
from sync.server.db import make_engine, upgrade
from sync.server.devices import device_secrets
from sync.server.settings import ServerSettings


@dataclass(frozen=True)
class ServerContext:
    settings: ServerSettings
    engine: Engine
    bundle_key: Ed25519PrivateKey
    admin_token: str
    data_key: Fernet  # residents' ID numbers and phones are stored encrypted with it
    device_key: Fernet  # devices' HMAC secrets are stored sealed with it
    lookup_master: bytes  # per-community roster look-up keys derive from it
    identity_private: bytes = b""  # X25519: opens the ID numbers sealed on gate passes (sync.server.identity)

    @classmethod
    def open(cls, settings: ServerSettings, *, migrate: bool = True) -> ServerContext:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(settings.data_dir, 0o700)
        engine = make_engine(settings.db_url, pool_size=settings.db_pool)
        d = settings.data_dir
        device_key = keys.device_secrets_key(d)
        if migrate:
            upgrade(engine)
            device_secrets.seal_clear_rows(engine, device_key)
        return cls(settings, engine, keys.bundle_key(d), keys.admin_token(d), keys.data_key(d), device_key, keys.roster_lookup_master(d),
                   keys.identity_key(d))

    def close(self) -> None:
        """Release the engine's connections (a PostgreSQL database cannot be dropped while they are open)."""
        self.engine.dispose()

    def __enter__(self) -> ServerContext:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
