"""Provisioning: trade a one-time enrolment code for this kiosk's device secret and the
server's bundle key, and keep them in data_dir/secrets/sync.json (0600).

The device id sent is the journal's own (device_state.device_id): it is inside every
record hash, so the server can verify the chain. Plain HTTP is refused except to this
machine: the answer carries the device secret.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import requests
from kiosk.config import server_url_problem
from kiosk.store.db import Store
from pydantic import ValidationError

from sync import credentials
from sync.credentials import Credentials, CredentialsError
from sync.protocol import PATH_ENROLL, PROTOCOL_VERSION, BundleError, EnrollResponse, load_public_key


class ProvisionError(RuntimeError):
    pass


def check_server_url(url: str) -> str:
    """A base URL we may send a device secret over (the same rule as the sync.server_url setting);
    returns it without a trailing slash."""
    problem = server_url_problem(url)
    if problem:
        raise ProvisionError(f"--server {problem}")
    return url.strip().rstrip("/")


def provision(
    store: Store,
    data_dir: Path,
    server_url: str,
    enroll_code: str,
    *,
    label: str = "",
    ca_bundle: str = "",
    timeout_s: float = 10.0,
) -> tuple[Credentials, Path]:
    base = check_server_url(server_url)
    code = enroll_code.strip()
    if not 6 <= len(code) <= 64:
        raise ProvisionError("the enrolment code must be 6-64 characters (as printed by `kiosk-central device add`)")
    state = store.db.execute("select device_id, anchor_seq, anchor_hash from device_state").fetchone()
    request = {
        "protocol": PROTOCOL_VERSION, "enroll_code": code, "device_id": state[0], "label": label[:100],
        "anchor_seq": state[1], "anchor_hash": state[2],
    }
    try:
        resp = requests.post(
            base + PATH_ENROLL, json=request, timeout=timeout_s, verify=ca_bundle or True, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise ProvisionError(f"cannot reach {base}: {type(exc).__name__}: {str(exc)[:300]}") from None
    if resp.status_code != 200:
        try:
            message = resp.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = resp.text[:200]
        raise ProvisionError(f"the server refused the enrolment (HTTP {resp.status_code}): {message}")
    try:
        answer = EnrollResponse.model_validate_json(resp.content)
        load_public_key(answer.bundle_public_key)
    except (ValidationError, BundleError) as exc:
        raise ProvisionError(f"the server's enrolment answer is not usable: {str(exc)[:300]}") from None
    if answer.device_id != state[0]:
        raise ProvisionError(f"the server enrolled device {answer.device_id!r}, not this kiosk ({state[0]!r})")
    creds = Credentials(
        server_url=base,
        device_id=answer.device_id,
        device_secret=answer.device_secret,
        bundle_key_id=answer.bundle_key_id,
        bundle_public_key=answer.bundle_public_key,
        enrolled_at=datetime.now(UTC).isoformat(timespec="seconds"),
        clock_window_s=answer.clock_window_s,
        max_batch_records=answer.max_batch_records,
        max_batch_bytes=answer.max_batch_bytes,
    )
    try:
        path = credentials.save(data_dir, creds)
    except OSError as exc:
        raise CredentialsError(f"cannot write {credentials.path_for(data_dir)}: {exc}") from None
    return creds, path


def summary(creds: Credentials, path: Path) -> str:
    return json.dumps(
        {"server": creds.server_url, "device_id": creds.device_id, "bundle_key_id": creds.bundle_key_id, "saved_to": str(path)},
        ensure_ascii=False,
    )
