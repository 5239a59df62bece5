"""Validation of ID documents, mobile numbers and names: the rules live in sync.common.identity.

The central server validates what its staff type (CLI, console) with the same rules and may
not import kiosk.*, so the code sits in the shared package; the kiosk's layers keep reading
it here, as part of their domain.
"""

from sync.common.identity import (
    MAX_NAME,
    MAX_TEXT,
    DocType,
    FieldError,
    IdCheck,
    check_digit,
    normalise_mobile,
    normalise_number,
    upgrade_15,
    validate_id,
    validate_mobile,
    validate_name,
    validate_text,
)

__all__ = [
    "MAX_NAME", "MAX_TEXT", "DocType", "FieldError", "IdCheck", "check_digit", "normalise_mobile", "normalise_number",
    "upgrade_15", "validate_id", "validate_mobile", "validate_name", "validate_text",
]
