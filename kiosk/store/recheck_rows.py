"""The `pending_rechecks` rows, with one writer: a pass let in on a cn-token code the platform could
not confirm is queued by the gate (kiosk.service.gate_admit), and the re-check (sync/recheck.py) counts
its failed tries and drops the row once the platform has answered. The row holds the token or the
encrypted ID number only until then."""

from __future__ import annotations

from typing import Any


def queue_recheck(db: Any, entry_uuid: str, created_at: str, qr_text: str | None, id_cipher: bytes | None,
                  attested_colour: str | None) -> None:
    """Inside the gate entry's own transaction: the entry and its re-check are written together."""
    db.execute(
        "insert into pending_rechecks (entry_uuid, created_at, qr_text, id_cipher, attested_colour) values (?,?,?,?,?)",
        [entry_uuid, created_at, qr_text, id_cipher, attested_colour],
    )


def due_rechecks(db: Any, limit: int) -> list[tuple[Any, ...]]:
    """(entry_uuid, qr_text, id_cipher, attested_colour), oldest first."""
    return db.execute(
        "select entry_uuid, qr_text, id_cipher, attested_colour from pending_rechecks order by created_at limit ?", [limit],
    ).fetchall()


def note_failed_try(db: Any, entry_uuid: str, error: str) -> None:
    db.execute("update pending_rechecks set attempts = attempts + 1, last_error = ? where entry_uuid = ?", [error, entry_uuid])


def drop_recheck(db: Any, entry_uuid: str) -> None:
    """The platform answered (match or alert, recorded in the same transaction): the token or ID goes."""
    db.execute("delete from pending_rechecks where entry_uuid = ?", [entry_uuid])
