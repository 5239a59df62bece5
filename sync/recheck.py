"""Re-checking unverified cn-token codes once the platform answers again.

A pass recorded offline kept the colour the guard saw on the phone (`attested_colour`).
When the platform can be asked, its colour is compared: a match is recorded ('recheck');
a mismatch becomes an 'alert' record plus an `alerts` row for the admin. Either way the
pending row (which holds the token or the encrypted ID) is deleted in the same transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from kiosk.domain.models import CodeChecker, PlatformAnswer
from kiosk.store.alert_lane import raise_alert
from kiosk.store.db import Store
from kiosk.store.recheck_rows import drop_recheck, due_rechecks, note_failed_try

from sync import log as synclog
from sync.protocol.clock import utc_iso

ALERT_KIND = "recheck-mismatch"


class Revealer(Protocol):
    """kiosk.store.vault.Vault as the re-check needs it."""

    def reveal(self, cipher: bytes) -> str: ...


@dataclass(frozen=True)
class RecheckResult:
    checked: int = 0
    matched: int = 0
    mismatched: int = 0
    offline: bool = False  # the platform did not answer: the rest waits for the next round


def _message(attested: str | None, answer: PlatformAnswer) -> str:
    seen = attested or "nothing (registered by ID number without a phone, let in as green)"
    names = " ".join(x for x in (answer.name_masked, answer.id_masked) if x)
    who = f" ({names})" if names else ""
    if answer.colour.value == "none":
        return f"the platform does not know this code{who}; the guard attested {seen}"
    return f"the platform says {answer.colour.value}{who}; the guard attested {seen} when it was offline"


def recheck_pending(store: Store, checker: CodeChecker, vault: Revealer | None = None, limit: int = 50) -> RecheckResult:
    rows = due_rechecks(store.db, limit)
    checked = matched = mismatched = 0
    for entry_uuid, qr_text, id_cipher, attested in rows:
        started = utc_iso()
        t0 = time.perf_counter()
        if qr_text:
            answer = checker.check(qr_text=qr_text)
        elif id_cipher is not None and vault is not None:
            answer = checker.check(id_number=vault.reveal(id_cipher))
        else:
            answer = None
        duration = (time.perf_counter() - t0) * 1000
        if answer is None:
            error = "the platform did not answer (offline or timed out)"
            if not qr_text and (id_cipher is None or vault is None):
                error = "nothing to re-check with (no code text, or no vault for the ID)"
            with store.writing() as w:
                note_failed_try(w.db, entry_uuid, error)
            synclog.record(store, synclog.Attempt(at=started, direction="check", records=1, duration_ms=duration, error=error))
            return RecheckResult(checked, matched, mismatched, offline=True)
        checked += 1
        # No attestation: an offline registration (no-smartphone lane) was let in as if green.
        match = answer.colour.value == (attested or "green")
        with store.writing() as w:
            data = {
                "entry_uuid": entry_uuid, "attested_colour": attested, "platform_colour": answer.colour.value,
                "platform_updated_at": answer.updated_at, "match": match,
            }
            if match:
                matched += 1
                w.append("recheck", data)
            else:
                mismatched += 1
                message = _message(attested, answer)
                raise_alert(w, ALERT_KIND, message, **data)  # data carries the entry_uuid
            drop_recheck(w.db, entry_uuid)
        synclog.record(store, synclog.Attempt(at=started, direction="check", records=1, duration_ms=duration))
    return RecheckResult(checked, matched, mismatched)
