"""Personal data at rest: ID numbers and phones encrypted, plus a keyed hash for look-ups.

The key lives in the secrets folder (`store.secrets_dir`, by default beside the data folder,
never inside it; 0600, folder 0700): never in the database, never in the repository, so a
copied data folder alone reveals nothing (see kiosk/store/secrets.py). Two sub-keys
are derived from it with HKDF: one for Fernet (AES-128-CBC + HMAC, authenticated, from
the well-kept `cryptography` package) and one for HMAC-SHA256 look-up hashes, so the
hash cannot be used to decrypt and the ciphertext cannot be used to look up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.public import PublicKey, SealedBox

from kiosk.store.secrets import secret_file, write_private

KEY_BYTES = 32


class VaultError(RuntimeError):
    pass


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def _check_key_file(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise VaultError(f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")


def _read_or_create_key(path: Path) -> bytes:
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise VaultError(f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")
        raw = path.read_bytes().strip()
        try:
            key = base64.urlsafe_b64decode(raw)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise VaultError(f"{path} is not a vault key (expected {KEY_BYTES} bytes, base64); it was left untouched")
        return key
    key = secrets.token_bytes(KEY_BYTES)
    # Written to a temp file and linked into place, so no reader ever sees a half-written key.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, base64.urlsafe_b64encode(key) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process created the key first: then use theirs
    except FileExistsError:
        return _read_or_create_key(path)
    finally:
        os.unlink(tmp)
    return key


ROSTER_KEY_FILE = "roster_lookup.key"


def save_roster_key(data_dir: Path, key_b64: str, secrets_dir: Path | None = None) -> Path:
    """Keep the community's roster look-up key (from enrolment) beside the vault key, 0600, in the
    secrets folder. Bundle residents carry only HMACs under it, so the gate finds them by the number typed."""
    raw = base64.urlsafe_b64decode(key_b64 + "=" * (-len(key_b64) % 4))
    if len(raw) != KEY_BYTES:
        raise VaultError(f"the roster look-up key must be {KEY_BYTES} bytes")
    path = secret_file(Path(data_dir), secrets_dir, ROSTER_KEY_FILE, _check_key_file)
    write_private(path, base64.urlsafe_b64encode(raw) + b"\n")
    return path


def _read_roster_key(path: Path) -> bytes | None:
    if not path.exists():
        return None
    if path.stat().st_mode & 0o077:
        raise VaultError(f"{path} is readable by others; run `chmod 600 {path}`")
    raw = base64.urlsafe_b64decode(path.read_bytes().strip())
    return raw if len(raw) == KEY_BYTES else None


IDENTITY_KEY_FILE = "server_identity.pub"


def save_identity_key(data_dir: Path, key_b64: str, secrets_dir: Path | None = None) -> Path:
    """Keep the server's X25519 public key (from enrolment) in the secrets folder: each pass seals
    its ID number to it."""
    raw = base64.urlsafe_b64decode(key_b64 + "=" * (-len(key_b64) % 4))
    if len(raw) != KEY_BYTES:
        raise VaultError(f"the server's identity key must be {KEY_BYTES} bytes")
    path = secret_file(Path(data_dir), secrets_dir, IDENTITY_KEY_FILE)
    write_private(path, base64.urlsafe_b64encode(raw) + b"\n")
    return path


def _read_identity_key(path: Path) -> bytes | None:
    if not path.exists():
        return None
    raw = base64.urlsafe_b64decode(path.read_bytes().strip())
    return raw if len(raw) == KEY_BYTES else None


class Vault:
    def __init__(self, master: bytes, roster_key: bytes | None = None, identity_key: bytes | None = None) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(master, b"kiosk-vault-fernet")))
        self._hmac_key = _derive(master, b"kiosk-vault-lookup")
        self._roster_key = roster_key
        self._identity_key = identity_key

    @classmethod
    def open(cls, data_dir: Path, secrets_dir: Path | None = None) -> Vault:
        """The vault of the kiosk whose data folder is `data_dir` (keys moved out of it if found there)."""
        data = Path(data_dir)
        key = _read_or_create_key(secret_file(data, secrets_dir, "vault.key", _check_key_file))
        return cls(key, _read_roster_key(secret_file(data, secrets_dir, ROSTER_KEY_FILE, _check_key_file)),
                   _read_identity_key(secret_file(data, secrets_dir, IDENTITY_KEY_FILE)))

    @classmethod
    def for_config(cls, cfg: Any) -> Vault:
        return cls.open(cfg.data_dir, cfg.secrets_dir)

    def seal_for_server(self, value: str) -> str | None:
        """A libsodium sealed box of the value to the server's X25519 key (base64url): only the server
        opens it; the kiosk cannot, once sealed. None before enrolment gave the key."""
        if self._identity_key is None:
            return None
        sealed = SealedBox(PublicKey(self._identity_key)).encrypt(value.strip().encode("utf-8"))
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def roster_hash(self, kind: str, value: str) -> str | None:
        """The bundle's look-up hash of a normalised ID number ("id") or phone ("phone"): HMAC-SHA256
        under the community key, over "kind:value" (sync.protocol.roster_lookup_hash). None before enrolment."""
        if self._roster_key is None:
            return None
        return hmac.new(self._roster_key, f"{kind}:{value.strip()}".encode(), hashlib.sha256).hexdigest()

    def lookup_hash(self, value: str) -> str:
        """Keyed HMAC-SHA256 of the (stripped) value: equal values, equal hashes."""
        return hmac.new(self._hmac_key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()

    def protect(self, value: str) -> tuple[bytes, str]:
        """(ciphertext, look-up hash) of a value."""
        return self._fernet.encrypt(value.strip().encode("utf-8")), self.lookup_hash(value)

    def reveal(self, cipher: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(cipher)).decode("utf-8")
        except InvalidToken:
            raise VaultError("this value was encrypted with another vault key and cannot be read") from None
