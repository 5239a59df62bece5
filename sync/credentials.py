"""The device's sync credentials: device id, secret and the pinned bundle key.

Kept in `data_dir/secrets/sync.json`, mode 0600 in a 0700 folder, never in the database or
the repository. Written atomically (temp file + rename) so a crash never leaves half a key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "sync.json"


class CredentialsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Credentials:
    server_url: str
    device_id: str
    device_secret: str
    bundle_key_id: str
    bundle_public_key: str  # PEM, Ed25519: every bundle must verify against it
    enrolled_at: str
    clock_window_s: int = 300
    max_batch_records: int = 2000
    max_batch_bytes: int = 4 * 1024 * 1024
    community: str = "default"

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(server_url={self.server_url!r}, device_id={self.device_id!r}, secret=***)"


def path_for(data_dir: Path) -> Path:
    return Path(data_dir) / "secrets" / FILE_NAME


def save(data_dir: Path, creds: Credentials) -> Path:
    from kiosk.store.secrets import write_private

    path = path_for(data_dir)
    write_private(path, json.dumps(asdict(creds), indent=2).encode("utf-8"))
    return path


def load(data_dir: Path) -> Credentials:
    path = path_for(data_dir)
    if not path.exists():
        raise CredentialsError(
            f"this kiosk is not provisioned ({path} is missing): run `kiosk provision --server URL --enroll-code CODE`"
        )
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise CredentialsError(f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(**raw)
    except (ValueError, TypeError) as exc:
        raise CredentialsError(f"{path} is damaged ({exc}); provision the kiosk again") from None
