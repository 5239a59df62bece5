"""Trust from files: X.509 certificates (PEM or DER), folders of them, and trust-list
files exported by the central server (a bundle JSON, or just its `trust` object).

The only part of kiosk.domain.codes that reads files; no network, no database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kiosk.domain.codes.trust import TrustError, TrustStore

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----", re.S)
CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der", ".json"}
MAX_FILE = 16 * 1024 * 1024


def load_trust_bytes(data: bytes, name: str = "<data>") -> TrustStore:
    """One file's content: JSON trust list, PEM certificate(s) or one DER certificate."""
    import base64

    stripped = data.lstrip()
    if stripped.startswith(b"{"):
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TrustError(f"{name}: not valid JSON: {exc}") from None
        section = doc.get("trust", doc) if isinstance(doc, dict) else None
        if not isinstance(section, dict) or not ({"dsc", "cn_issuers", "revoked"} & section.keys()):
            raise TrustError(f"{name}: JSON but not a trust list (no 'trust', 'dsc', 'cn_issuers' or 'revoked')")
        try:
            return TrustStore.from_bundle(section)
        except TrustError as exc:
            raise TrustError(f"{name}: {exc}") from None
    store = TrustStore()
    if b"-----BEGIN" in data:
        blocks = _PEM_CERT.findall(data)
        if not blocks:
            raise TrustError(f"{name}: PEM file without a CERTIFICATE block")
        for block in blocks:
            try:
                der = base64.b64decode(b"".join(block.split()), validate=True)
            except ValueError:
                raise TrustError(f"{name}: a PEM block is not valid base64") from None
            try:
                store.add_certificate_der(der)
            except TrustError as exc:
                raise TrustError(f"{name}: {exc}") from None
        return store
    try:
        store.add_certificate_der(data)
    except TrustError as exc:
        raise TrustError(f"{name}: {exc}") from None
    return store


def load_trust_path(path: str | Path) -> TrustStore:
    """A certificate file, a trust-list file, or a folder of them (not recursive)."""
    p = Path(path)
    if p.is_dir():
        store = TrustStore()
        for child in sorted(p.iterdir()):
            if child.is_file() and child.suffix.lower() in CERT_SUFFIXES:
                store.merge(_load_file(child))
        return store
    if not p.exists():
        raise TrustError(f"{p}: no such file or folder")
    return _load_file(p)


def _load_file(p: Path) -> TrustStore:
    try:
        if p.stat().st_size > MAX_FILE:
            raise TrustError(f"{p}: larger than {MAX_FILE // (1024 * 1024)} MB, not a trust file")
        data = p.read_bytes()
    except OSError as exc:
        raise TrustError(f"{p}: cannot read: {exc.strerror}") from None
    return load_trust_bytes(data, str(p))
