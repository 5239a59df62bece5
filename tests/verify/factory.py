"""Real keys, real X.509 signer certificates and real signed codes for the verifier tests
and the benchmark (cryptography's builders; nothing is mocked)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from kiosk.domain.codes import cose
from kiosk.domain.codes.trust import TrustStore, dcc_kid

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
EKU_TEST, EKU_VACC, EKU_RECOVERY = (f"1.3.6.1.4.1.1847.2021.1.{n}" for n in (1, 2, 3))


@dataclass(frozen=True)
class Signer:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    der: bytes

    @property
    def kid(self) -> bytes:
        return dcc_kid(self.der)

    def pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.der).public_bytes(serialization.Encoding.PEM)

    def bundle_entry(self) -> dict[str, str]:
        return {"kid": base64.b64encode(self.kid).decode(), "certificate": base64.b64encode(self.der).decode()}

    def trust(self) -> TrustStore:
        store = TrustStore()
        store.add_certificate_der(self.der)
        return store


def make_signer(
    alg: str = "ES256",
    ekus: tuple[str, ...] = (),
    not_before: datetime = T0 - timedelta(days=30),
    not_after: datetime = T0 + timedelta(days=365),
) -> Signer:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    key = ec.generate_private_key(ec.SECP256R1()) if alg == "ES256" else rsa.generate_private_key(65537, 2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, f"Test DSC {alg}")]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if ekus:
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in ekus]), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return Signer(key, cert.public_bytes(serialization.Encoding.DER))


def vaccination(uvci: str = "URN:UVCI:01:CN:TESTVAC0001#X") -> dict[str, Any]:
    return {
        "ver": "1.3.0",
        "nam": {"fn": "Dupond", "fnt": "DUPOND", "gn": "Marie", "gnt": "MARIE"},
        "dob": "1962-07-01",
        "v": [
            {
                "tg": "840539006",
                "vp": "1119349007",
                "mp": "EU/1/20/1528",
                "ma": "ORG-100030215",
                "dn": 2,
                "sd": 2,
                "dt": "2021-06-01",
                "co": "FR",
                "is": "Ministry of Health",
                "ci": uvci,
            }
        ],
    }


def pcr_test(uvci: str = "URN:UVCI:01:CN:TESTPCR0001#Y") -> dict[str, Any]:
    return {
        "ver": "1.3.0",
        "nam": {"fn": "Dupond", "fnt": "DUPOND", "gn": "Marie", "gnt": "MARIE"},
        "dob": "1962-07-01",
        "t": [
            {
                "tg": "840539006",
                "tt": "LP6464-4",
                "nm": "RT-PCR",
                "sc": "2026-11-27T08:00:00Z",
                "tr": "260415000",
                "tc": "Testing Centre",
                "co": "FR",
                "is": "Ministry of Health",
                "ci": uvci,
            }
        ],
    }


def make_dcc(
    signer: Signer,
    hcert: dict[str, Any] | None = None,
    iat: datetime = T0 - timedelta(days=1),
    exp: datetime = T0 + timedelta(days=180),
    claims_extra: dict[Any, Any] | None = None,
) -> str:
    claims: dict[Any, Any] = {
        1: "FR",
        6: int(iat.timestamp()),
        4: int(exp.timestamp()),
        -260: {1: hcert or vaccination()},
    }
    claims.update(claims_extra or {})
    return "HC1:" + cose.zlib_base45_encode(cose.sign1(claims, signer.key, signer.kid))


def uvci_hash(uvci: str) -> str:
    return hashlib.sha256(uvci.encode()).hexdigest()
