"""The official EU DCC JSON schema (v1.3.3, Apache-2.0, schema/LICENSE), shipped in the
package and compiled once on first use (jsonschema is imported lazily: `kiosk verify` of
a non-DCC payload should not pay for it).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.domain.codes.errors import CodeError
from kiosk.domain.models import CodeStatus

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "DCC.combined-schema.json"


class _NotJson(Exception):
    pass


@functools.cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def as_json(value: Any) -> Any:
    """CBOR -> the JSON data model: arrays (cbor2 gives tuples) to lists, tag-0 dates to text."""
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise _NotJson("a map key is not text")
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise _NotJson(f"a {type(value).__name__} value has no JSON form")


def validate_hcert(hcert: Any) -> dict[str, Any]:
    """The certificate as JSON, or CodeError(schema-invalid) naming the first problem."""
    try:
        doc = as_json(hcert)
    except _NotJson as exc:
        raise CodeError(CodeStatus.SCHEMA_INVALID, "schema", f"certificate is not JSON data: {exc}") from None
    if not isinstance(doc, dict):
        raise CodeError(CodeStatus.SCHEMA_INVALID, "schema", "certificate is not an object")
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise CodeError(
            CodeStatus.SCHEMA_INVALID, "schema", f"certificate fails the DCC schema at {where}: {error.message[:200]}"
        )
    return doc


def warm_up() -> None:
    """Compile the validator now (at kiosk start) instead of on the first scan."""
    _validator()
