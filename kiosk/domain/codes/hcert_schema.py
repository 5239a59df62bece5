"""The official EU DCC JSON schema (v1.3.3, Apache-2.0, schema/LICENSE), shipped in the
package and compiled once on first use.

Validator: jsonschema-rs (maintained, draft 2020-12 like the schema, Rust core). The pure
Python `jsonschema` took ~0.8 ms median and >5 ms p95 per certificate here, most of the
whole verification; jsonschema-rs takes ~4 µs (docs/benchmarks.md). It is imported
lazily so `kiosk verify` of a non-DCC payload does not load it.
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
    import jsonschema_rs

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema)


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
    validator = _validator()
    try:
        if validator.is_valid(doc):
            return doc
        error = next(iter(validator.iter_errors(doc)), None)
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. integers beyond 64 bits, NaN
        raise CodeError(CodeStatus.SCHEMA_INVALID, "schema", f"certificate holds values JSON cannot: {exc}") from None
    where = "/".join(str(p) for p in error.instance_path) if error is not None else ""
    message = error.message[:200] if error is not None else "invalid"
    raise CodeError(
        CodeStatus.SCHEMA_INVALID, "schema", f"certificate fails the DCC schema at {where or '(root)'}: {message}"
    )


def warm_up() -> None:
    """Compile the validator now (at kiosk start) instead of on the first scan."""
    _validator()
