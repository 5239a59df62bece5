"""Provisioning: trade a one-time enrolment code for this kiosk's device secret and the
server's bundle key, and keep them in data_dir/secrets/sync.json (0600).

The server assigns the device id (bound to the code); the kiosk sends its journal id
(device_state.device_id, inside every record hash) so the server can verify the chain. The
kiosk also sends an enrolment key it made and keeps until it has its answer: if the answer is
lost, running the same command again gets the same answer instead of "code already used".
Plain HTTP is refused except to this machine: the answer carries the device secret.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import replace
from pathlib import Path

import requests
from kiosk.config import server_url_problem
from kiosk.store.db import Store
from kiosk.store.vault import VaultError, save_identity_key, save_roster_key
from pydantic import ValidationError

from sync import credentials
from sync.credentials import Credentials, CredentialsError
from sync.link import ServerLink
from sync.protocol import (
    JSON_TYPE,
    PATH_ENROLL,
    PATH_KEY_ROLL,
    PROTOCOL_VERSION,
    BundleError,
    EnrollResponse,
    KeyRollResponse,
    load_public_key,
)
from sync.protocol.clock import utc_iso


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
    secrets_dir: Path | None = None,
) -> tuple[Credentials, Path]:
    base = check_server_url(server_url)
    code = enroll_code.strip()
    if not 6 <= len(code) <= 64:
        raise ProvisionError("the enrolment code must be 6-64 characters (as printed by `kiosk-central device add`)")
    state = store.db.execute("select device_id, anchor_seq, anchor_hash from device_state").fetchone()
    enroll_key = _enrol_key(data_dir, base, code)
    request = {
        "protocol": PROTOCOL_VERSION, "enroll_code": code, "journal_id": state[0], "enroll_key": enroll_key, "label": label[:100],
        "anchor_seq": state[1], "anchor_hash": state[2],
    }
    try:
        resp = requests.post(
            base + PATH_ENROLL, json=request, timeout=timeout_s, verify=ca_bundle or True, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise ProvisionError(f"cannot reach {base}: {type(exc).__name__}: {str(exc)[:300]}") from None
    if resp.status_code != 200:
        raise ProvisionError(f"the server refused the enrolment (HTTP {resp.status_code}): {_message(resp)}")
    try:
        answer = EnrollResponse.model_validate_json(resp.content)
        load_public_key(answer.bundle_public_key)
    except (ValidationError, BundleError) as exc:
        raise ProvisionError(f"the server's enrolment answer is not usable: {str(exc)[:300]}") from None
    creds = Credentials(
        server_url=base,
        device_id=answer.device_id,
        device_secret=answer.device_secret,
        bundle_key_id=answer.bundle_key_id,
        bundle_public_key=answer.bundle_public_key,
        enrolled_at=utc_iso(timespec="seconds"),
        clock_window_s=answer.clock_window_s,
        max_batch_records=answer.max_batch_records,
        max_batch_bytes=answer.max_batch_bytes,
        community=answer.community,
    )
    path = _keep(data_dir, creds, answer.roster_key, secrets_dir, answer.identity_key)
    _pending_path(data_dir).unlink(missing_ok=True)  # the answer is safe: the enrolment key has done its job
    return creds, path


def _message(resp: requests.Response) -> str:
    try:
        err = resp.json()["error"]
        if err.get("code") == "device-revoked":
            return f"this gate was revoked: {err['message']}"
        return str(err["message"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return resp.text[:200]


def _keep(data_dir: Path, creds: Credentials, roster_key: str, secrets_dir: Path | None = None, identity_key: str = "") -> Path:
    try:
        path = credentials.save(data_dir, creds)
        if roster_key:
            save_roster_key(data_dir, roster_key, secrets_dir)
        if identity_key:
            save_identity_key(data_dir, identity_key, secrets_dir)
    except (OSError, VaultError, ValueError) as exc:
        raise CredentialsError(f"cannot write {credentials.path_for(data_dir)}: {exc}") from None
    return path


def _pending_path(data_dir: Path) -> Path:
    return credentials.path_for(data_dir).with_name("enrol_pending.json")


def _enrol_key(data_dir: Path, server: str, code: str) -> str:
    """The key for this server and code: the one kept from an earlier try (whose answer was lost), or a new one."""
    path = _pending_path(data_dir)
    code_hash = hashlib.sha256(code.upper().replace("-", "").encode("utf-8")).hexdigest()
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
        if held.get("server") == server and held.get("code_sha256") == code_hash and isinstance(held.get("key"), str):
            return str(held["key"])
    except (OSError, ValueError, AttributeError):
        pass
    key = secrets.token_urlsafe(32)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"server": server, "code_sha256": code_hash, "key": key}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def roll_key(data_dir: Path, *, server_url: str = "", ca_bundle: str = "", timeout_s: float = 10.0,
             secrets_dir: Path | None = None) -> Credentials:
    """Ask for a new device secret with a request signed by the current one, and keep it. The old
    secret stays valid on the server until the first request signed with the new one, so a lost
    answer only means asking again."""
    creds = credentials.load(data_dir)
    link = ServerLink(creds, base_url=server_url or None, timeout_s=timeout_s, ca_bundle=ca_bundle)
    try:
        reply = link.request("POST", PATH_KEY_ROLL, json.dumps({"protocol": PROTOCOL_VERSION}).encode(), {"Content-Type": JSON_TYPE})
    finally:
        link.close()
    if reply.status != 200:
        raise ProvisionError(f"the server refused the key roll: {reply.describe()}")
    try:
        answer = KeyRollResponse.model_validate_json(reply.content)
    except ValidationError as exc:
        raise ProvisionError(f"the server's key-roll answer is not usable: {str(exc)[:300]}") from None
    if answer.device_id != creds.device_id:
        raise ProvisionError(f"the server answered for device {answer.device_id!r}, not {creds.device_id!r}")
    rolled = replace(creds, device_secret=answer.device_secret, community=answer.community)
    _keep(data_dir, rolled, answer.roster_key, secrets_dir, answer.identity_key)
    return rolled


def summary(creds: Credentials, path: Path) -> str:
    return json.dumps(
        {"server": creds.server_url, "device_id": creds.device_id, "bundle_key_id": creds.bundle_key_id, "saved_to": str(path)},
        ensure_ascii=False,
    )
