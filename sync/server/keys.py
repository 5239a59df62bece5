"""The server's secrets on disk: the bundle-signing key, the demo issuer key and the admin token.

Created once (0600 files in a 0700 folder under the data dir), never in the database or the repo.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def secrets_dir(data_dir: Path) -> Path:
    path = data_dir / "secrets"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _write_new(path: Path, data: bytes) -> bool:
    """Create `path` 0600 with `data` unless it exists (O_EXCL: two starting processes cannot both win)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def bundle_key(data_dir: Path) -> Ed25519PrivateKey:
    path = secrets_dir(data_dir) / "bundle_ed25519.pem"
    _write_new(path, _pem(Ed25519PrivateKey.generate()))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def issuer_key_pem(data_dir: Path) -> bytes:
    """PKCS#8 PEM of the P-256 key for the demo cn-signed issuer (ES256), created on first use."""
    path = secrets_dir(data_dir) / "cn_issuer_p256.pem"
    _write_new(path, _pem(ec.generate_private_key(ec.SECP256R1())))
    return path.read_bytes()


def data_key(data_dir: Path) -> Fernet:
    """Encrypts residents' ID numbers and phones at rest in the roster table (Fernet: AES-CBC + HMAC)."""
    path = secrets_dir(data_dir) / "data.key"
    _write_new(path, Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def admin_token(data_dir: Path) -> str:
    """Bearer token for /admin/* (read it from this file; `kiosk-central admin-token` prints it)."""
    path = secrets_dir(data_dir) / "admin_token"
    _write_new(path, secrets.token_urlsafe(32).encode("ascii"))
    return path.read_text("ascii").strip()


def device_secrets_key(data_dir: Path) -> Fernet:
    """Seals the devices' HMAC secrets in the database (sync.server.devices.device_secrets)."""
    path = secrets_dir(data_dir) / "device_secrets.key"
    _write_new(path, Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def roster_lookup_master(data_dir: Path) -> bytes:
    """Master of the per-community roster look-up keys (sync.server.devices.device_secrets.community_lookup_key)."""
    path = secrets_dir(data_dir) / "roster_lookup.key"
    _write_new(path, secrets.token_urlsafe(32).encode("ascii"))
    return path.read_bytes().strip()


def identity_key(data_dir: Path) -> bytes:
    """Raw 32-byte X25519 private key: kiosks seal each pass's ID number to its public half (a libsodium
    sealed box, sync.server.identity); only this server can open them, for `contacts --full`."""
    from nacl.public import PrivateKey  # imported late: only ingest-side commands need it

    path = secrets_dir(data_dir) / "identity_x25519.key"
    _write_new(path, bytes(PrivateKey.generate()))
    raw = path.read_bytes()
    if len(raw) != 32:
        raise ValueError(f"{path} does not hold a 32-byte X25519 private key")
    return raw
