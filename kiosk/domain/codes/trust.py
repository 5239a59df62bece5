"""Who the kiosk trusts: DCC signer certificates (DSCs) and cn-signed issuer keys by kid,
plus the revocation lists. Built once (from the bundle, a folder or --trust) and then only
read: certificates and keys are parsed here, once, so each verification is a dict look-up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sync.common.cose_sign import key_kid  # the cn-signed kid, computed by the issuing server too

from kiosk.domain.codes.cose import PublicKey

# Extended key usage OIDs that limit a DCC signer to certificate types (both spellings
# are in use): ...1 test, ...2 vaccination, ...3 recovery.
_EKU_ARCS = ("1.3.6.1.4.1.1847.2021.1.", "1.3.6.1.4.1.0.1847.2021.1.")
DCC_EKU = {kind: frozenset(arc + n for arc in _EKU_ARCS) for kind, n in (("t", "1"), ("v", "2"), ("r", "3"))}
ALL_DCC_EKUS = frozenset().union(*DCC_EKU.values())


def _oid_der(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return bytes([0x06, len(body)]) + bytes(body)


_DCC_EKU_DER = {oid: _oid_der(oid) for oid in ALL_DCC_EKUS}


class TrustError(ValueError):
    """A trust source (bundle section, file) is not what it claims to be."""


@dataclass(frozen=True)
class Dsc:
    """A document signer certificate, parsed once."""

    kid: bytes
    public_key: PublicKey
    not_before: datetime
    not_after: datetime
    ekus: frozenset[str]  # dotted OIDs of the extended key usage extension; empty if absent
    subject: str


@dataclass(frozen=True)
class Issuer:
    """A cn-signed issuer key (ES256, P-256)."""

    kid: bytes
    public_key: ec.EllipticCurvePublicKey
    issuer: str


def dcc_kid(der: bytes) -> bytes:
    """The DCC kid: the first 8 bytes of SHA-256 over the certificate's DER."""
    return hashlib.sha256(der).digest()[:8]


def parse_dsc(der: bytes, kid: bytes | None = None) -> Dsc:
    try:
        cert = x509.load_der_x509_certificate(der)
        key = cert.public_key()
    except ValueError as exc:
        raise TrustError(f"not an X.509 certificate: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise TrustError(f"certificate key type {type(key).__name__} is not EC or RSA")
    try:
        ext = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        ekus = frozenset(oid.dotted_string for oid in ext.value)
    except x509.ExtensionNotFound:
        ekus = frozenset()
    except ValueError:
        # Some issued DSCs carry an extension the strict parser refuses (e.g. an empty EKU
        # sequence, common/CO15 of the conformance data). Only the DCC usage OIDs matter
        # here, and their DER encodings are unambiguous, so look for them directly.
        tbs = cert.tbs_certificate_bytes
        ekus = frozenset(oid for oid, der_oid in _DCC_EKU_DER.items() if der_oid in tbs)
    return Dsc(
        kid=kid if kid is not None else dcc_kid(der),
        public_key=key,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        ekus=ekus,
        subject=cert.subject.rfc4514_string(),
    )


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise TrustError(f"{what}: expected a base64 string, got {value!r}")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise TrustError(f"{what}: not valid base64") from None


def _hex_set(values: Any, what: str) -> frozenset[str]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise TrustError(f"{what}: expected a list of hex SHA-256 strings")
    out = set()
    for v in values:
        low = v.lower() if isinstance(v, str) else ""
        if len(low) not in (32, 64) or any(c not in "0123456789abcdef" for c in low):
            raise TrustError(f"{what}: {v!r} is not a hex SHA-256 (64 digits, or its first 32)")
        out.add(low)
    return frozenset(out)


class TrustStore:
    """Signer certificates and issuer keys by kid; revoked hashes. Treat as read-only."""

    def __init__(self) -> None:
        self.dsc: dict[bytes, tuple[Dsc, ...]] = {}
        self.issuers: dict[bytes, Issuer] = {}
        self.revoked_uvci: frozenset[str] = frozenset()
        self.revoked_signature: frozenset[str] = frozenset()

    # --- building ---

    def add_dsc(self, dsc: Dsc) -> None:
        # Kids are 8 bytes, so two certificates may share one: keep both, try both.
        self.dsc[dsc.kid] = (*self.dsc.get(dsc.kid, ()), dsc)

    def add_certificate_der(self, der: bytes, kid: bytes | None = None) -> Dsc:
        dsc = parse_dsc(der, kid)
        self.add_dsc(dsc)
        return dsc

    def add_issuer(self, public_key_pem: str | bytes, issuer: str, kid: bytes | None = None) -> Issuer:
        data = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise TrustError(f"issuer {issuer!r}: public key is not PEM SubjectPublicKeyInfo: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
            raise TrustError(f"issuer {issuer!r}: the key must be EC P-256 (ES256)")
        entry = Issuer(kid if kid is not None else key_kid(key), key, issuer)
        self.issuers[entry.kid] = entry
        return entry

    def add_revocations(self, uvci_sha256: Iterable[str] = (), signature_sha256: Iterable[str] = ()) -> None:
        self.revoked_uvci = self.revoked_uvci | _hex_set(list(uvci_sha256), "revoked.uvci_sha256")
        self.revoked_signature = self.revoked_signature | _hex_set(list(signature_sha256), "revoked.signature_sha256")

    def merge(self, other: TrustStore) -> None:
        for entries in other.dsc.values():
            for dsc in entries:
                self.add_dsc(dsc)
        self.issuers.update(other.issuers)
        self.revoked_uvci |= other.revoked_uvci
        self.revoked_signature |= other.revoked_signature

    @classmethod
    def from_bundle(cls, trust_section: Mapping[str, Any]) -> TrustStore:
        """The bundle's `trust` object (see the bundle contract); TrustError says what is wrong."""
        if not isinstance(trust_section, Mapping):
            raise TrustError("trust: expected an object")
        store = cls()
        dscs = trust_section.get("dsc", [])
        if not isinstance(dscs, list):
            raise TrustError("trust.dsc: expected a list")
        for i, item in enumerate(dscs):
            if not isinstance(item, Mapping):
                raise TrustError(f"trust.dsc[{i}]: expected an object")
            der = _b64(item.get("certificate"), f"trust.dsc[{i}].certificate")
            kid = _b64(item["kid"], f"trust.dsc[{i}].kid") if item.get("kid") is not None else None
            try:
                store.add_certificate_der(der, kid)
            except TrustError as exc:
                raise TrustError(f"trust.dsc[{i}]: {exc}") from None
        issuers = trust_section.get("cn_issuers", [])
        if not isinstance(issuers, list):
            raise TrustError("trust.cn_issuers: expected a list")
        for i, item in enumerate(issuers):
            if not isinstance(item, Mapping) or not isinstance(item.get("public_key"), str):
                raise TrustError(f"trust.cn_issuers[{i}]: expected an object with a PEM public_key")
            kid = _b64(item["kid"], f"trust.cn_issuers[{i}].kid") if item.get("kid") is not None else None
            name = item.get("issuer", "")
            if not isinstance(name, str):
                raise TrustError(f"trust.cn_issuers[{i}].issuer: expected a string")
            store.add_issuer(item["public_key"], name, kid)
        revoked = trust_section.get("revoked") or {}
        if not isinstance(revoked, Mapping):
            raise TrustError("trust.revoked: expected an object")
        store.revoked_uvci = _hex_set(revoked.get("uvci_sha256"), "trust.revoked.uvci_sha256")
        store.revoked_signature = _hex_set(revoked.get("signature_sha256"), "trust.revoked.signature_sha256")
        return store

    # --- reading ---

    def signers(self, kid: bytes) -> tuple[Dsc, ...]:
        return self.dsc.get(kid, ())

    def issuer(self, kid: bytes) -> Issuer | None:
        return self.issuers.get(kid)

    def is_revoked(self, uvci_hash: str | None, signature_hash: str) -> bool:
        # Full 64-digit hashes, or the EU-style first 128 bits (32 digits).
        hashes = (signature_hash, signature_hash[:32])
        if uvci_hash:
            if uvci_hash in self.revoked_uvci or uvci_hash[:32] in self.revoked_uvci:
                return True
        return any(h in self.revoked_signature for h in hashes)

    @property
    def size(self) -> int:
        """Signer certificates plus issuer keys (not __len__: an empty store must stay truthy)."""
        return sum(len(v) for v in self.dsc.values()) + len(self.issuers)
