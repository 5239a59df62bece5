"""The last `kiosk doctor` result, kept in the data folder and sent with each upload batch.

A file rather than a kiosk_state row: doctor runs beside a running kiosk, which holds the
store's writer lock, and must still leave its result. Written atomically (temp file + rename);
the uploader reads it and attaches it to the batch envelope (`doctor`), validated by the same
protocol model the server uses, so an unreadable or tampered file is left out, never sent.
"""

from __future__ import annotations

import json
import os
import tempfile
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
    target = path_for(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".doctor-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(summary.model_dump_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load(data_dir: Path) -> dict[str, Any] | None:
    """The last result as the wire dict, or None (never run, or the file is unreadable)."""
    try:
        raw = path_for(data_dir).read_text(encoding="utf-8")
        return DoctorSummary.model_validate(json.loads(raw)).model_dump()
    except (OSError, ValueError, ValidationError):
        return None
