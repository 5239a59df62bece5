"""Test set-up done the way the product does it: a cn-signed issuer in an applied bundle
(the trust the kiosk gets from the central server), and codes issued with its key."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.domain.codes.cn_signed import issue_cn_signed
from kiosk.domain.codes.trust import key_kid

ISSUER = "示范省健康码平台"


def new_issuer() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, key_kid(key.public_key())


def bundle_for(key: ec.EllipticCurvePrivateKey, kid: bytes) -> dict[str, Any]:
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {
        "version": 1,
        "issued_at": datetime.now(UTC).isoformat(),
        "trust": {"dsc": [], "cn_issuers": [{"kid": base64.b64encode(kid).decode(), "public_key": pem, "issuer": ISSUER}],
                  "revoked": {"uvci_sha256": [], "signature_sha256": []}},
        "roster": [], "risk_areas": [], "policy": {"mode": "normal"},
    }


def install_bundle(store: Any, bundle: dict[str, Any]) -> None:
    """As the sync puller leaves it: the applied bundle's body in `bundles`."""
    now = datetime.now(UTC).isoformat()
    with store.writing() as w:
        w.db.execute("insert into bundles (etag, fetched_at, applied_at, body) values (?,?,?,?)",
                     ["test", now, now, json.dumps(bundle, ensure_ascii=False)])


def issue(key: ec.EllipticCurvePrivateKey, kid: bytes, *, colour: str = "green", name: str = "张三",
          id_number: str = "11010519491231002X", code_id: str = "demo-1") -> str:
    now = datetime.now(UTC)
    return issue_cn_signed(code_id=code_id, colour=colour, holder_name=name, id_number=id_number, issuer=ISSUER,
                           issued_at=now - timedelta(minutes=5), expires_at=now + timedelta(days=1), private_key=key, kid=kid)
