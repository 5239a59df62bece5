"""Console accounts: argon2id password hashes, the sign-in lock-out, database-held sessions with a CSRF token.

The lock-out rule is a pure function (`lockout_seconds`); the rest reads and writes the console tables.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from sync.server.console.tables import login_failures, sessions, user_communities, users

ROLES = ("admin", "staff", "viewer")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,39}")
MIN_PASSWORD = 10
SESSION_TTL_S = 8 * 3600
FREE_TRIES = 5  # like the kiosk's admin PIN: five wrong tries, then a lock that grows with every further failure
FIRST_LOCK_S = 60
MAX_LOCK_S = 3600
IP_FREE_TRIES = 20  # one address guessing many names is slowed down too
IP_WINDOW_S = 900
_hasher = PasswordHasher()  # argon2id, the library's recommended parameters


def lockout_seconds(failures: int, free: int = FREE_TRIES) -> int:
    """How long to lock after `failures` consecutive failures: none until `free`, then 60 s doubling to an hour."""
    if failures < free:
        return 0
    return min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** (failures - free))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_name(name: str) -> str:
    if not NAME_RE.fullmatch(name):
        raise ValueError(f"account name {name!r}: 2-40 characters, lower-case letters, digits, '.', '_' or '-'")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > 200:
        raise ValueError("the password must have at most 200 characters")
    return password


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    communities: frozenset[str]  # empty for admins: they see every community

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "staff")

    def sees(self, community_id: str | None) -> bool:
        return self.is_admin or (community_id is not None and community_id in self.communities)


def load_account(conn: Connection, name: str) -> Account | None:
    row = conn.execute(select(users).where(users.c.name == name, users.c.disabled.is_(False))).first()
    if row is None:
        return None
    comms = frozenset(conn.execute(select(user_communities.c.community_id).where(user_communities.c.name == name)).scalars())
    return Account(row.name, row.role, comms)


@dataclass(frozen=True)
class SignIn:
    account: Account | None
    locked_for_s: int = 0  # > 0: refused without checking the password


def _failures(conn: Connection, key: str) -> tuple[int, float]:
    row = conn.execute(select(login_failures.c.failures, login_failures.c.locked_until).where(login_failures.c.key == key)).first()
    return (0, 0.0) if row is None else (int(row[0]), float(row[1]))


def _record_failure(conn: Connection, key: str, free: int, now: float) -> None:
    row = conn.execute(select(login_failures.c.failures, login_failures.c.last_at).where(login_failures.c.key == key)).first()
    count = 0 if row is None else int(row[0])
    if key.startswith("ip:") and row is not None and now - float(row[1]) > IP_WINDOW_S:
        count = 0  # an address's count fades; a name's lock grows until a correct sign-in
    count += 1
    until = now + lockout_seconds(count, free)
    if conn.execute(update(login_failures).where(login_failures.c.key == key).values(failures=count, locked_until=until, last_at=now)).rowcount == 0:
        conn.execute(insert(login_failures).values(key=key, failures=count, locked_until=until, last_at=now))


def sign_in(conn: Connection, name: str, password: str, address: str, now: float | None = None) -> SignIn:
    """Check a password unless the name or the address is locked out; failures grow the lock-out."""
    now = time.time() if now is None else now
    keys = ((f"user:{name[:60]}", FREE_TRIES), (f"ip:{address[:60]}", IP_FREE_TRIES))
    locked = max(int(_failures(conn, k)[1] - now) for k, _ in keys)
    if locked > 0:
        return SignIn(None, locked)
    row = conn.execute(select(users.c.password_hash, users.c.disabled).where(users.c.name == name)).first()
    ok = False
    try:
        ok = row is not None and not row.disabled and _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        if row is None:
            _hasher.hash(password)  # same cost whether or not the name exists
        for key, free in keys:
            _record_failure(conn, key, free, now)
        return SignIn(None, max(0, max(int(_failures(conn, k)[1] - now) for k, _ in keys)))
    conn.execute(delete(login_failures).where(login_failures.c.key == keys[0][0]))
    return SignIn(load_account(conn, name))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(conn: Connection, name: str, now: float | None = None) -> str:
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))
    conn.execute(insert(sessions).values(token_hash=_token_hash(token), name=name, csrf=secrets.token_urlsafe(32),
                                         created_at=now, expires_at=now + SESSION_TTL_S))
    return token


@dataclass(frozen=True)
class Session:
    account: Account
    csrf: str
    token_hash: str


def find_session(conn: Connection, token: str, now: float | None = None) -> Session | None:
    now = time.time() if now is None else now
    row = conn.execute(select(sessions).where(sessions.c.token_hash == _token_hash(token), sessions.c.expires_at > now)).first()
    if row is None:
        return None
    account = load_account(conn, row.name)  # a disabled account's sessions end at once
    return None if account is None else Session(account, row.csrf, row.token_hash)


def close_session(conn: Connection, token: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == _token_hash(token)))


def end_sessions_of(conn: Connection, name: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.name == name))
