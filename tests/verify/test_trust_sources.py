"""Trust from files and from the kiosk's store; the gate's verifier picks up new bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.codes_runtime import KioskVerifier, token_patterns
from kiosk.config import Config, ConfigError
from kiosk.domain.codes import TrustError
from kiosk.domain.codes.trust_files import load_trust_bytes, load_trust_path
from kiosk.domain.models import CodeStatus
from kiosk.store.db import Store
from tests.verify.factory import T0, make_dcc, make_signer, uvci_hash

A, B = make_signer("ES256"), make_signer("PS256")


def test_a_pem_file_with_several_certificates(tmp_path: Path) -> None:
    path = tmp_path / "chain.pem"
    path.write_bytes(A.pem() + b"\n" + B.pem())
    store = load_trust_path(path)
    assert store.size == 2 and store.signers(A.kid) and store.signers(B.kid)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "without a CERTIFICATE"),
        (b'{"hello": 1}', "not a trust list"),
        (b"{not json", "not valid JSON"),
        (b"\x30\x03\x02\x01\x01", "not an X.509"),
        (b'{"trust": {"dsc": [{"certificate": "QUJD"}]}}', "trust.dsc[0]"),
    ],
)
def test_files_that_are_not_trust_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(TrustError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_trust_bytes(data, "x")


def _apply_bundle(store: Store, trust: dict[str, Any], at: str) -> None:
    body = json.dumps(
        {"version": 1, "issued_at": at, "trust": trust, "roster": [], "risk_areas": [], "policy": {"mode": "normal"}}
    )
    with store.writing() as w:
        w.db["bundles"].insert({"etag": at, "fetched_at": at, "applied_at": at, "body": body})


def test_the_gate_verifier_follows_the_latest_applied_bundle(cfg: Config, store: Store) -> None:
    verifier = KioskVerifier(cfg, clock=lambda: T0, recheck_s=0)
    code = make_dcc(A)
    assert verifier(code).status is CodeStatus.UNTRUSTED
    _apply_bundle(store, {"dsc": [A.bundle_entry()]}, "2026-11-28T01:00:00Z")
    assert verifier(code).status is CodeStatus.VALID
    _apply_bundle(
        store,
        {"dsc": [A.bundle_entry()], "revoked": {"uvci_sha256": [uvci_hash("URN:UVCI:01:CN:TESTVAC0001#X")]}},
        "2026-11-28T02:00:00Z",
    )
    assert verifier(code).status is CodeStatus.REVOKED
    # A bundle fetched but not applied changes nothing.
    with store.writing() as w:
        w.db["bundles"].insert({"etag": "x", "fetched_at": "2026-11-28T03:00:00Z", "applied_at": None, "body": "{}"})
    assert verifier(code).status is CodeStatus.REVOKED


def test_the_trust_folder_adds_to_the_bundle(cfg: Config, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "b.der").write_bytes(B.der)
    _apply_bundle(store, {"dsc": [A.bundle_entry()]}, "2026-11-28T01:00:00Z")
    verifier = KioskVerifier(cfg.replace(codes__trust_dir=str(folder)), clock=lambda: T0)
    assert verifier(make_dcc(A)).is_valid and verifier(make_dcc(B)).is_valid
    with pytest.raises(ConfigError, match="codes.trust_dir"):
        KioskVerifier(cfg.replace(codes__trust_dir=str(tmp_path / "missing")))


def test_a_bad_token_pattern_stops_the_start_with_the_setting_name(cfg: Config) -> None:
    with pytest.raises(ConfigError, match="codes.cn_token_patterns"):
        token_patterns(cfg.replace(codes__cn_token_patterns=["(broken"]))
    assert token_patterns(cfg) == tuple(cfg["codes.cn_token_patterns"])


def test_a_corrupt_bundle_keeps_the_last_good_trust(cfg: Config, store: Store) -> None:
    _apply_bundle(store, {"dsc": [A.bundle_entry()]}, "2026-11-28T01:00:00Z")
    verifier = KioskVerifier(cfg, clock=lambda: T0, recheck_s=0)
    _apply_bundle(store, {"dsc": [{"certificate": "!!"}]}, "2026-11-28T02:00:00Z")
    assert verifier(make_dcc(A)).is_valid


def test_a_restart_after_a_corrupt_bundle_uses_the_newest_usable_one(cfg: Config, store: Store) -> None:
    _apply_bundle(store, {"dsc": [A.bundle_entry()]}, "2026-11-28T01:00:00Z")
    _apply_bundle(store, {"dsc": [{"certificate": "!!"}]}, "2026-11-28T02:00:00Z")
    verifier = KioskVerifier(cfg, clock=lambda: T0)  # the start must not fail
    assert verifier(make_dcc(A)).is_valid
    assert verifier.trust_error is not None and "trust.dsc[0]" in verifier.trust_error
    _apply_bundle(store, {"dsc": [B.bundle_entry()]}, "2026-11-28T03:00:00Z")
    verifier.refresh(force=True)
    assert verifier.trust_error is None
    assert verifier(make_dcc(B)).is_valid and verifier(make_dcc(A)).status is CodeStatus.UNTRUSTED
