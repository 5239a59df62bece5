"""The OpenAPI document is valid and for admins only; sync-log retention; the server settings that guard it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_spec_validator import validate
from sqlalchemy import func, insert, select

from sync.server.app import create_app
from sync.server.context import ServerContext
from sync.server.devices.tables import rate_counters, refused_requests
from sync.server.housekeeping import purge
from sync.server.records.tables import sync_log
from sync.server.settings import SettingsError, from_env
from tests.server.central import Central, error_of, start_central


def broken_refs(doc: dict[str, Any]) -> list[str]:
    """Every "$ref" in the document that does not lead anywhere (the validator does not follow them all)."""
    broken, stack = [], [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                node: Any = doc
                for part in ref.removeprefix("#/").split("/"):
                    node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
                if not ref.startswith("#/") or node is None:
                    broken.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return broken


def test_the_openapi_document_is_valid(tmp_path: Path) -> None:
    app = create_app(from_env({}, data_dir=tmp_path))
    try:
        doc = app.openapi()
        validate(doc)
        assert broken_refs(doc) == []  # (once: '#/$defs/WireRecord', '#/$defs/SeqRange', ...)
        text = json.dumps(doc)
        assert "#/$defs/" not in text and "WireRecord" in doc["components"]["schemas"]
        assert doc["paths"]["/v1/batches"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["records"]
    finally:
        app.state.services.ctx.close()


def test_docs_are_off_by_default_and_the_document_is_for_admins(central: Central) -> None:
    for path in ("/docs", "/openapi.json", "/redoc"):
        resp = requests.get(central.url + path, timeout=10)
        assert resp.status_code == 404 and error_of(resp)["code"] == "not-found", path
    assert requests.get(central.url + "/admin/openapi.json", timeout=10).status_code == 401
    doc = central.admin_get("/admin/openapi.json")
    validate(doc)
    assert broken_refs(doc) == []


def test_docs_can_be_switched_on_for_development(tmp_path: Path) -> None:
    server = start_central(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", env={"KIOSK_CENTRAL_API_DOCS": "on"})
    try:
        assert requests.get(server.url + "/docs", timeout=10).status_code == 200
        validate(requests.get(server.url + "/openapi.json", timeout=10).json())
    finally:
        server.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sync_log_retention(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    ctx = ServerContext.open(from_env({}, data_dir=tmp_path, db=url))
    try:
        now = datetime(2026, 11, 29, tzinfo=UTC).timestamp()  # 90 days back: 2026-08-31T00:00Z
        row = {"endpoint": "batches", "status": 200}
        with ctx.engine.begin() as conn:
            conn.execute(insert(sync_log), [row | {"at": "2026-08-30T23:59:00.000+00:00", "device_id": "retention-old"},
                                             row | {"at": "2026-09-01T00:00:01.000+00:00", "device_id": "retention-new"}])
            conn.execute(insert(refused_requests), [{"at": "2026-01-01T00:00:00.000+00:00", "source": "10.0.0.1", "endpoint": "enroll", "status": 403}])
            conn.execute(insert(rate_counters), [{"key": "retention-test", "hits": 3, "expires_at": now - 1}])
        purged = purge(ctx.engine, 90, now=now)
        with ctx.engine.connect() as conn:
            kept = set(conn.execute(select(sync_log.c.device_id).where(sync_log.c.device_id.like("retention-%"))).scalars())
            refusals = conn.execute(select(func.count()).select_from(refused_requests).where(refused_requests.c.source == "10.0.0.1")).scalar()
            windows = conn.execute(select(func.count()).select_from(rate_counters).where(rate_counters.c.key == "retention-test")).scalar()
        assert kept == {"retention-new"} and refusals == 0 and windows == 0
        assert purged.sync_log >= 1 and purged.refusals >= 1 and purged.rate_windows >= 1
    finally:
        ctx.close()


@pytest.mark.parametrize(("env", "problem"), [
    ({"KIOSK_CENTRAL_RATE_ANON_PER_MINUTE": "0"}, "RATE_ANON_PER_MINUTE"),
    ({"KIOSK_CENTRAL_RATE_DEVICE_PER_MINUTE": "lots"}, "not a whole number"),
    ({"KIOSK_CENTRAL_SYNC_LOG_RETENTION_DAYS": "0"}, "SYNC_LOG_RETENTION_DAYS"),
    ({"KIOSK_CENTRAL_BODY_TIMEOUT_S": "9999"}, "BODY_TIMEOUT_S"),
    ({"KIOSK_CENTRAL_API_DOCS": "maybe"}, "API_DOCS"),
])
def test_guard_settings_are_checked(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        from_env(env)


def test_guard_setting_defaults() -> None:
    s = from_env({})
    assert (s.rate_anon_per_minute, s.rate_device_per_minute, s.sync_log_retention_days, s.api_docs) == (120, 1200, 90, False)
