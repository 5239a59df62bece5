"""The last `kiosk doctor` result, kept in the data folder and sent with each upload batch.

A file rather than a kiosk_state row: doctor runs beside a running kiosk, which holds the
store's writer lock, and must still leave its result. Written atomically (temp file + rename);
the uploader reads it and attaches it to the batch envelope (`doctor`), validated by the same
protocol model the server uses, so an unreadable or tampered file is left out, never sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sync.protocol.messages import DoctorSummary

FILE_NAME = "doctor-last.json"


def path_for(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def save(data_dir: Path, result: dict[str, Any]) -> Path:
    """Validate (a result the server would refuse is refused here) and replace the file atomically."""
    summary = DoctorSummary.model_validate(result)
    from kiosk.store.secrets import write_atomic

    target = path_for(data_dir)
    write_atomic(target, summary.model_dump_json().encode("utf-8"))
    return target


def load(data_dir: Path) -> dict[str, Any] | None:
    """The last result as the wire dict, or None (never run, or the file is unreadable)."""
    try:
        raw = path_for(data_dir).read_text(encoding="utf-8")
        return DoctorSummary.model_validate(json.loads(raw)).model_dump()
    except (OSError, ValueError, ValidationError):
        return None
