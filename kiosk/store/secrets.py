"""Where the kiosk's secrets live: a folder of its own, never inside the data folder.

The vault key and the admin PIN hash are kept in the secrets folder (setting
`store.secrets_dir`; by default `<data folder>-secrets` beside the data folder), 0600 files
in a 0700 folder. A copy of the data folder (a backup, a pulled disk image of that folder
only, a USB stick) then holds ciphertexts without the key that opens them. Kiosks from
before kept them in `<data folder>/secrets/`; `secret_file` moves them on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

OLD_SUBDIR = "secrets"


class SecretsError(RuntimeError):
    pass


def default_secrets_dir(data_dir: Path) -> Path:
    data_dir = Path(data_dir)
    return data_dir.parent / f"{data_dir.name}-secrets"


def private_dir(folder: Path) -> Path:
    """Create (or tighten) a 0700 folder."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def secret_file(data_dir: Path, secrets_dir: Path | None, name: str, check: Callable[[Path], None] = lambda _p: None) -> Path:
    """The path of secret `name`, after moving it from the old place inside the data folder.

    `check` validates an old file before it is moved (a key readable by others is refused
    where it is, never copied on).
    """
    folder = private_dir(Path(secrets_dir) if secrets_dir else default_secrets_dir(data_dir))
    new, old = folder / name, Path(data_dir) / OLD_SUBDIR / name
    if folder.resolve() == old.parent.resolve() or not old.exists():
        return new
    if new.exists():
        if new.read_bytes() != old.read_bytes():
            raise SecretsError(f"{old} and {new} differ: move one away by hand (the kiosk cannot tell which is right)")
        old.unlink()
        return new
    check(old)
    write_private(new, old.read_bytes(), exclusive=True)
    old.unlink()
    return new


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a 0600 file atomically into a 0700 folder."""
    private_dir(path.parent)
    write_atomic(path, data, exclusive=exclusive)


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False, mode: int = 0o600) -> None:
    """Write a file atomically (temp file, fsync, then link or rename into place, folder fsynced):
    a power cut leaves the old file or the new one, never half of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if exclusive:
            os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite a key
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
