"""PIN hashes for the admin and the guards: argon2id, parameters stored with each hash.

argon2-cffi's PasswordHasher defaults are RFC 9106's "low memory" recommendation
(argon2id, t=3, m=64 MiB, p=4); measured in docs/benchmarks.md (well under 300 ms here).
Hashes written by older kiosks (`scrypt$N$r$p$salt$digest`, N=2^14) still verify, and the
caller re-hashes them at the current parameters after the next successful sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # RFC 9106 low-memory profile: argon2id, t=3, m=65536 KiB, p=4
_SCRYPT_MAX_N = 2**20  # a legacy hash asking for more is refused rather than computed


class PinRejected(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.zh, self.en = zh, en


def check_new_pin(pin: str) -> None:
    """4–12 digits, not a repeated digit or a run (1234, 9876)."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12 or not pin.isascii():
        raise PinRejected("PIN 须为4–12位数字", "the PIN must be 4–12 digits")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise PinRejected("PIN 过于简单（重复或连续数字）", "the PIN is too easy to guess (repeated or consecutive digits)")


def hash_pin(pin: str) -> str:
    return _HASHER.hash(pin)


@dataclass(frozen=True)
class PinMatch:
    ok: bool
    needs_rehash: bool = False  # right PIN, but stored at older parameters: store hash_pin(pin) now


def verify_pin(pin: str, stored: str) -> PinMatch:
    stored = stored.strip()
    if stored.startswith("scrypt$"):
        ok = _scrypt_matches(pin, stored)
        return PinMatch(ok, ok)
    try:
        _HASHER.verify(stored, pin)
    except (VerificationError, InvalidHashError):
        return PinMatch(False)
    return PinMatch(True, _HASHER.check_needs_rehash(stored))


def pin_matches(pin: str, stored: str) -> bool:
    return verify_pin(pin, stored).ok


def _scrypt_matches(pin: str, stored: str) -> bool:
    """The format of the first kiosks: scrypt$N$r$p$salt_b64$digest_b64."""
    try:
        _algo, n_s, r_s, p_s, salt_b64, digest_b64 = stored.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        if not (1 < n <= _SCRYPT_MAX_N and 0 < r <= 32 and 0 < p <= 16):
            return False
        digest = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt_b64), n=n, r=r, p=p,
                                maxmem=256 * n * r * p + (1 << 20), dklen=32)
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def legacy_scrypt_hash(pin: str, salt: bytes, n: int = 2**14, r: int = 8, p: int = 1) -> str:
    """A hash as the first kiosks stored it (for upgrade tests and the benchmark only)."""
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r * p + (1 << 20), dklen=32)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
