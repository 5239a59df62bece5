"""Rate limits per source address and per device, counted in the server database.

The `limits` library supplies the fixed-window strategy and the "N/minute" items; its storage is
ours (DatabaseStorage): one row per key and window in `rate_counters`, bumped by a single upsert,
so every worker process (and every server behind the same database) sees one count.

What is counted:
- anonymous: every unauthenticated request per source address (enrolment, /v1/time, the docs,
  unknown paths) and every device or admin request whose authentication failed;
- device: every signed request per authenticated device (a claim alone never spends a device's budget);
- code check: /v1/code-check per device besides, as it can be used to probe ID numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Connection, Engine, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from sync.protocol import ErrorCode, ProtocolError
from sync.server.devices.tables import rate_counters
from sync.server.settings import ServerSettings

# A connection whose transaction the next counts join (DatabaseStorage.bound_to): a signed request's count
# commits with its nonce, one transaction instead of two.
_BOUND: ContextVar[Connection | None] = ContextVar("rate_counters_connection", default=None)


class DatabaseStorage(Storage):
    """A `limits` storage over the server's SQLAlchemy engine (SQLite or PostgreSQL)."""

    STORAGE_SCHEME = ["kiosk-central-db"]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    @staticmethod
    @contextmanager
    def bound_to(conn: Connection) -> Iterator[None]:
        """Counts made inside join `conn`'s transaction (the caller commits them)."""
        token = _BOUND.set(conn)
        try:
            yield
        finally:
            _BOUND.reset(token)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        expired = rate_counters.c.expires_at <= now
        stmt = dialect.insert(rate_counters).values(key=key, hits=amount, expires_at=now + expiry)
        stmt = stmt.on_conflict_do_update(
            index_elements=[rate_counters.c.key],
            set_={"hits": case((expired, amount), else_=rate_counters.c.hits + amount),
                  "expires_at": case((expired, now + expiry), else_=rate_counters.c.expires_at)},
        ).returning(rate_counters.c.hits)
        bound = _BOUND.get()
        if bound is not None:
            return int(bound.execute(stmt).scalar_one())
        with self.engine.begin() as conn:
            if dialect is postgresql:
                # A counter is no record: one lost in a crash only forgives a few requests, so its commit
                # need not wait for the WAL flush (every console page and anonymous request makes one).
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            return int(conn.execute(stmt).scalar_one())

    def _read(self, query: Any) -> Any:
        bound = _BOUND.get()  # inside the bound transaction: a second connection would wait for its lock on SQLite
        if bound is not None:
            return bound.execute(query).scalar()
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def get(self, key: str) -> int:
        hits = self._read(select(rate_counters.c.hits).where(rate_counters.c.key == key, rate_counters.c.expires_at > time.time()))
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        at = self._read(select(rate_counters.c.expires_at).where(rate_counters.c.key == key))
        return float(at) if at is not None and at > time.time() else time.time()

    def check(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(select(func.count()).select_from(rate_counters))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(rate_counters)).rowcount)

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rate_counters).where(rate_counters.c.key == key))

    def purge_expired(self, now: float) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(rate_counters).where(rate_counters.c.expires_at <= now)).rowcount)


@dataclass
class RateLimits:
    engine: Engine
    anon_per_minute: int
    device_per_minute: int
    code_check_per_minute: int
    storage: DatabaseStorage = field(init=False)
    limiter: FixedWindowRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.storage = DatabaseStorage(self.engine)
        self.limiter = FixedWindowRateLimiter(self.storage)

    @classmethod
    def from_settings(cls, engine: Engine, s: ServerSettings) -> RateLimits:
        return cls(engine, s.rate_anon_per_minute, s.rate_device_per_minute, s.rate_code_check_per_minute)

    def _hit(self, per_minute: int, what: str, *ids: str) -> None:
        refusal = self._count(per_minute, what, *ids)
        if refusal is not None:
            raise refusal

    def _count(self, per_minute: int, what: str, *ids: str) -> ProtocolError | None:
        item = RateLimitItemPerMinute(per_minute, namespace=what)
        if self.limiter.hit(item, *ids):
            return None
        reset = self.limiter.get_window_stats(item, *ids).reset_time
        retry = max(1, math.ceil(reset - time.time()))
        return ProtocolError(429, ErrorCode.RATE_LIMITED, f"too many {what} requests: at most {per_minute} a minute; retry in {retry} s",
                             {"retry_after_s": retry, "limit_per_minute": per_minute, "scope": what})

    def hit_anonymous(self, source: str) -> None:
        """An unauthenticated request (or a failed authentication) from `source`; 429 when over."""
        self._hit(self.anon_per_minute, "unauthenticated", source[:64])

    def count_device(self, conn: Connection, device_id: str) -> ProtocolError | None:
        """The device's count inside `conn`'s transaction; the 429 to answer once it commits, or None."""
        with self.storage.bound_to(conn):
            return self._count(self.device_per_minute, "device", device_id)

    def hit_code_check(self, device_id: str) -> None:
        self._hit(self.code_check_per_minute, "code-check", device_id)


def retry_after(exc: ProtocolError) -> str:
    """The Retry-After header for a 429/503 answer (seconds)."""
    return str(int(exc.details.get("retry_after_s", 5)))
