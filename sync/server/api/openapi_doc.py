"""The server's OpenAPI document: request bodies declared from the protocol models, with their
nested models placed under components/schemas (pydantic's own `#/$defs/...` references would
dangle there), and the document itself only for admins unless the docs are switched on."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

REF_TEMPLATE = "#/components/schemas/{model}"
_EXTRA: dict[str, Any] = {}  # nested models of the request bodies, by name


def request_body(model: Any) -> dict[str, Any]:
    """`openapi_extra` for a route whose body is read raw (signed bytes) but is `model` as JSON."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    _EXTRA.update(schema.pop("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def install(app: FastAPI) -> None:
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = plain()
            doc.setdefault("components", {}).setdefault("schemas", {}).update(
                {k: v for k, v in _EXTRA.items() if k not in doc["components"]["schemas"]})
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
