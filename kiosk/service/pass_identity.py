"""Who passed: the identity a gate record carries so the central server can trace contacts.

`identity_of` is the one hook GateService calls. It gives, whenever the gate knows who passed,
    {"hash": <community look-up hash of the normalised ID number>, "sealed": <the number sealed to
     the server's key, or null>, "source": roster | id-number | visitor | platform}
and None otherwise (an unmatched opaque token: the server counts such passes per gate and window).
The hash is keyed with the community's roster key (the bundle's residents carry the same hash, so a
resident the kiosk knows only by hash still links); the full number never enters the record in
clear, only sealed to the server (docs/sync-protocol.md, "Identity on gate passes").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.domain.identity import validate_id
from kiosk.domain.masking import mask_id, mask_name
from kiosk.domain.models import VerificationResult
from kiosk.store.vault import Vault, VaultError


def _from_number(vault: Vault, number: str, source: str, name: str = "") -> dict[str, Any] | None:
    digest = vault.roster_hash("id", number)
    if digest is None:  # not enrolled yet: no community key, nothing the server could link
        return None
    return {"hash": digest, "sealed": vault.seal_for_server(number), "source": source,
            "name_sealed": vault.seal_for_server(name) if name else None, "id_masked": mask_id(number), "name_masked": mask_name(name)}


def identity_of(db: Any, vault: Vault, typed_number: str | None, id_type: Any, person_uuid: str | None,
                code: VerificationResult | None, today: dt.date) -> dict[str, Any] | None:
    """The identity of this pass (see the module's docstring), or None when nobody is known."""
    row = None
    if person_uuid:
        row = db.execute("select id_cipher, id_hash, source, kind, name, id_masked from people where uuid = ?", [person_uuid]).fetchone()
    name = row[4] if row else ""
    typed = (typed_number or "").strip()
    if typed:
        check = validate_id(id_type, typed, today)
        if check.ok:
            return _from_number(vault, check.number, "id-number", name)
    if row:
        if row and row[0]:
            try:
                number = vault.reveal(row[0])
            except VaultError:
                number = ""
            if number:
                return _from_number(vault, number, "visitor" if row[3] == "visitor" else "roster", name)
        if row[1] and row[2] == "bundle":  # a bundle resident: the kiosk holds only the community hash
            return {"hash": row[1], "sealed": None, "source": "roster", "name_sealed": vault.seal_for_server(name) if name else None,
                    "id_masked": row[5] or "", "name_masked": mask_name(name)}
    if code is not None and code.details.get("holder_hash"):  # the platform named the holder of the code
        return {"hash": code.details["holder_hash"], "sealed": code.details.get("holder_sealed") or None, "source": "platform",
                "name_sealed": code.details.get("holder_name_sealed") or None, "id_masked": code.id_masked,
                "name_masked": code.holder_name_masked}
    return None
