"""The demo code registry (standing in for the provincial platform) and the answer to a code check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey, SealedBox
from sqlalchemy import Connection, select, update

from sync.common.masking import mask_id, mask_name
from sync.protocol import CodeCheckRequest, CodeCheckResponse, roster_lookup_hash
from sync.server.identity import unseal_id
from sync.server.keys import identity_key, secrets_dir
from sync.server.lists.tables import code_registry

COLOURS = ("green", "yellow", "red")


def _pepper(data_dir: Path) -> bytes:
    path = secrets_dir(data_dir) / "registry_pepper"
    if not path.exists():
        try:
            with open(path, "xb") as fh:
                fh.write(secrets.token_bytes(32))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_bytes()


def id_hash(data_dir: Path, id_number: str) -> str:
    """Keyed hash: an ID number cannot be recovered from the registry by trying all numbers."""
    return hmac.new(_pepper(data_dir), id_number.upper().encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    qr_text: str
    colour: str


def _seal(data_dir: Path, value: str) -> str:
    box = SealedBox(PrivateKey(identity_key(data_dir)).public_key).encrypt(value.encode("utf-8"))
    return base64.urlsafe_b64encode(box).rstrip(b"=").decode("ascii")


def issue_token(conn: Connection, data_dir: Path, base_url: str, *, name: str, id_number: str, colour: str, now_iso: str) -> IssuedToken:
    if colour not in COLOURS:
        raise ValueError(f"colour must be one of {', '.join(COLOURS)}, got {colour!r}")
    token = secrets.token_urlsafe(18)
    while token.startswith("-"):  # a leading '-' reads as an option to `code set-colour TOKEN` (1 token in 64)
        token = secrets.token_urlsafe(18)
    qr_text = f"{base_url.rstrip('/')}/hc/{token}"
    conn.execute(
        code_registry.insert().values(
            token=token, qr_text=qr_text, id_hash=id_hash(data_dir, id_number), name_masked=mask_name(name),
            id_masked=mask_id(id_number), colour=colour, updated_at=now_iso,
            holder_sealed=_seal(data_dir, id_number), holder_name_sealed=_seal(data_dir, name),
        )
    )
    return IssuedToken(token, qr_text, colour)


def set_colour(conn: Connection, token: str, colour: str, now_iso: str) -> bool:
    if colour not in COLOURS:
        raise ValueError(f"colour must be one of {', '.join(COLOURS)}, got {colour!r}")
    result = conn.execute(update(code_registry).where(code_registry.c.token == token).values(colour=colour, updated_at=now_iso))
    return result.rowcount > 0


def check(conn: Connection, data_dir: Path, req: CodeCheckRequest, lookup_key: bytes | None = None) -> CodeCheckResponse:
    """The colour, and the holder as the asking gate's community look-up hash (with `lookup_key`)."""
    if req.qr_text is not None:
        where = code_registry.c.qr_text == req.qr_text.strip()
    else:
        where = code_registry.c.id_hash == id_hash(data_dir, req.id_number or "")
    row = conn.execute(select(code_registry).where(where).order_by(code_registry.c.updated_at.desc()).limit(1)).first()
    if row is None:
        return CodeCheckResponse(request_id=req.request_id, found=False, colour="none")
    return CodeCheckResponse(
        request_id=req.request_id, found=True, colour=row.colour, name_masked=row.name_masked,
        id_masked=row.id_masked, updated_at=row.updated_at, **_holder(data_dir, row, lookup_key),
    )


def _holder(data_dir: Path, row: Any, lookup_key: bytes | None) -> dict[str, str]:
    number = unseal_id(identity_key(data_dir), row.holder_sealed or "") if lookup_key else None
    if not number or lookup_key is None:
        return {}
    return {"holder_hash": roster_lookup_hash(lookup_key, "id", number), "holder_sealed": row.holder_sealed,
            "holder_name_sealed": row.holder_name_sealed or ""}
