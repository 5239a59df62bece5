"""The bundle the kiosk pulls: its contents (per the lead's contract), Ed25519 signing and the ETag.

On the wire the bundle is an envelope whose `payload` is the bundle's canonical JSON *text*,
so the signature covers exact bytes and no re-serialisation can break it:
    {"format": "kiosk-bundle/1", "key_id": "...", "payload": "<JSON text>", "signature": "<base64url>"}
The ETag is derived from the payload, so an unchanged bundle gives 304 Not Modified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync.protocol.chain import canonical_json
from sync.protocol.errors import BundleError

BUNDLE_FORMAT = "kiosk-bundle/1"


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Dsc(_Strict):
    kid: str = Field(min_length=1)  # base64
    certificate: str = Field(min_length=1)  # base64 DER


class CnIssuer(_Strict):
    kid: str = Field(min_length=1)
    public_key: str = Field(min_length=1)  # PEM SubjectPublicKeyInfo (ES256 / P-256)
    issuer: str


class Revoked(_Strict):
    uvci_sha256: list[str] = []
    signature_sha256: list[str] = []


class Trust(_Strict):
    dsc: list[Dsc] = []
    cn_issuers: list[CnIssuer] = []
    revoked: Revoked = Revoked()


Hex64 = Field(default="", pattern=r"^([0-9a-f]{64})?$")


class RosterEntry(_Strict):
    """A resident as a kiosk may hold one: keyed look-up hashes and masked forms, never the numbers."""

    uuid: str = Field(min_length=1)
    name: str = Field(min_length=1)
    id_hash: str = Hex64  # roster_lookup_hash(community key, "id", normal form), "" if none
    id_masked: str = Field(default="", max_length=40)
    phone_hash: str = Hex64
    phone_masked: str = Field(default="", max_length=40)
    building: str = ""
    unit: str = ""
    room: str = ""
    key_groups: list[Literal["inbound", "cold-chain", "released-or-recovered", "risk-area-14d"]] = []  # sync.common.key_persons.KeyGroup


class RiskArea(_Strict):
    region_code: str = Field(pattern=r"^[0-9]{6}$")
    level: Literal["low", "medium", "high"]
    since: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


DateText = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class IsolationEntry(_Strict):
    """A person under home isolation (居家隔离): look-up hash and masked forms only. In force from
    `start` through `end` (local dates); a kiosk lifts it itself after `end`, even offline."""

    id_hash: str = Hex64  # roster_lookup_hash(community key, "id", normal form), "" if placed by roster entry only
    person_uuid: str = ""  # the roster entry, when the person is on the roster
    name_masked: str = Field(default="", max_length=40)
    id_masked: str = Field(default="", max_length=40)
    building: str = ""
    unit: str = ""
    room: str = ""
    start: str = DateText
    end: str = DateText


class Policy(_Strict):
    mode: Literal["normal", "lockdown"] = "normal"


class Bundle(_Strict):
    version: Literal[1] = 1
    issued_at: str
    trust: Trust = Trust()
    roster: list[RosterEntry] = []
    risk_areas: list[RiskArea] = []
    isolation: list[IsolationEntry] = []
    policy: Policy = Policy()


def roster_lookup_hash(key: bytes, kind: Literal["id", "phone"], normal_value: str) -> str:
    """HMAC-SHA256 under the community's roster key (sent to the kiosk at enrolment) of an ID number or
    phone in its normal form (sync.common.identity.normalise_number / normalise_mobile). The kind is
    part of the message so an ID hash never equals a phone hash."""
    return hmac.new(key, f"{kind}:{normal_value}".encode(), hashlib.sha256).hexdigest()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_key(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise BundleError(f"the bundle public key is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError("the bundle public key is not an Ed25519 key")
    return key


def etag_for(payload: str) -> str:
    return '"' + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison over a comma-separated If-None-Match list (or *)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def sign_bundle(bundle: dict[str, Any], private_key: Ed25519PrivateKey) -> tuple[bytes, str]:
    """Validate the bundle, sign its canonical text; returns (envelope JSON bytes, ETag)."""
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        raise BundleError(f"refusing to sign an invalid bundle: {exc}") from None
    payload = canonical_json(bundle)
    signature = private_key.sign(payload.encode("utf-8"))
    envelope = {
        "format": BUNDLE_FORMAT,
        "key_id": key_id(private_key.public_key()),
        "payload": payload,
        "signature": base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii"),
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), etag_for(payload)


def verify_bundle(envelope_bytes: bytes, public_key: Ed25519PublicKey) -> tuple[dict[str, Any], str]:
    """Check the signature with the pinned key, then the shape. Returns (bundle dict, ETag).

    Raises BundleError with the reason; a kiosk must keep its previous bundle then.
    """
    try:
        env = json.loads(envelope_bytes)
    except ValueError as exc:
        raise BundleError(f"the bundle response is not JSON ({exc})") from None
    if not isinstance(env, dict) or env.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"the bundle response is not a {BUNDLE_FORMAT} envelope")
    payload, sig = env.get("payload"), env.get("signature")
    if not isinstance(payload, str) or not isinstance(sig, str):
        raise BundleError("the bundle envelope lacks a payload or signature string")
    if env.get("key_id") != key_id(public_key):
        raise BundleError(f"the bundle is signed with key {env.get('key_id')!r}, not the pinned key {key_id(public_key)!r}")
    try:
        public_key.verify(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)), payload.encode("utf-8"))
    except (InvalidSignature, ValueError):
        raise BundleError("the bundle signature is invalid (altered in transit, or not from our server)") from None
    try:
        bundle = Bundle.model_validate_json(payload)
    except ValidationError as exc:
        raise BundleError(f"the signed bundle has the wrong shape: {exc}") from None
    loaded: dict[str, Any] = json.loads(payload)
    if bundle.version != 1:
        raise BundleError(f"unsupported bundle version {bundle.version}")
    return loaded, etag_for(payload)
