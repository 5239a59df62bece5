"""`kiosk verify`: the exact contract other tools rely on, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.codes.cn_signed import generate_issuer_key, issue_cn_signed
from tests.verify.factory import T0, make_dcc, make_signer

PROBE = """
import json, sys
from kiosk.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in ("kivy", "cv2", "requests") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""
SIGNER = make_signer("ES256")
CODE = make_dcc(SIGNER)
ISSUER = generate_issuer_key()


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str, list[str]]:
    env = dict(os.environ, KIOSK_STORE_DATA_DIR=str(tmp_path / "data"))
    env.pop("KIOSK_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "verify", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    probe = json.loads(proc.stderr.strip().splitlines()[-1])
    return probe["code"], proc.stdout, proc.stderr, probe["heavy"]


def last_json(stdout: str) -> dict[str, Any]:
    doc = json.loads(stdout.strip().splitlines()[-1])
    assert {"format", "status", "color", "reason"} <= doc.keys()
    return doc


@pytest.fixture
def trust_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "dsc.pem").write_bytes(SIGNER.pem())
    (folder / "README.txt").write_text("ignored: not a certificate suffix")
    der = tmp_path / "dsc.der"
    der.write_bytes(SIGNER.der)
    bundle = {
        "version": 1,
        "trust": {
            "dsc": [SIGNER.bundle_entry()],
            "cn_issuers": [{"kid": ISSUER.kid_b64, "public_key": ISSUER.public_pem(), "issuer": "示范区"}],
            "revoked": {"uvci_sha256": [], "signature_sha256": []},
        },
    }
    tl = tmp_path / "trust-list.json"
    tl.write_text(json.dumps(bundle))
    return {"pem": folder / "dsc.pem", "der": der, "folder": folder, "list": tl}


@pytest.mark.parametrize("kind", ["pem", "der", "folder", "list"])
def test_valid_with_each_kind_of_trust_source_exits_0(tmp_path: Path, trust_files: dict[str, Path], kind: str) -> None:
    code, out, _, heavy = run(
        tmp_path, "--trust", str(trust_files[kind]), "--json", "--at", "2026-11-28T10:00:00Z", CODE
    )
    assert code == 0
    doc = last_json(out)
    assert (doc["format"], doc["status"], doc["color"]) == ("eu-dcc", "valid", "none")
    assert heavy == [], f"kiosk verify imported {heavy}"


def test_cn_signed_from_a_trust_list_reports_its_colour(tmp_path: Path, trust_files: dict[str, Path]) -> None:
    text = issue_cn_signed(
        code_id="Z-1", colour="red", holder_name="王五", id_number="11010519491231002X", issuer="示范区",
        issued_at=T0 - timedelta(hours=1), expires_at=T0 + timedelta(days=1), private_key=ISSUER.private_key, kid=ISSUER.kid,
    )  # fmt: skip
    code, out, _, _ = run(
        tmp_path, "--trust", str(trust_files["list"]), "--json", "--at", "2026-11-28T08:00:00+00:00", text
    )
    doc = last_json(out)
    assert code == 0 and (doc["format"], doc["color"], doc["holder_name_masked"]) == ("cn-signed", "red", "王*")


def test_every_other_status_exits_1(tmp_path: Path, trust_files: dict[str, Path]) -> None:
    code, out, _, _ = run(tmp_path, "--json", CODE)  # no --trust and nothing synced
    assert code == 1 and last_json(out)["status"] == "untrusted"
    code, out, _, _ = run(tmp_path, "--trust", str(trust_files["pem"]), "--json", "--at", "2020-01-01T00:00:00Z", CODE)
    assert code == 1 and last_json(out)["status"] == "not-yet-valid"
    code, out, _, _ = run(tmp_path, "--json", "--", "-not-a-code")
    assert code == 1 and last_json(out)["status"] == "unsupported"
    code, out, _, _ = run(tmp_path, "--trust", str(trust_files["pem"]), CODE[:-5] + "00000")
    assert code == 1 and out.startswith(("MALFORMED", "SIGNATURE-INVALID"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "yesterday", "HC1:x"], "ISO 8601"),
        ([], "PAYLOAD"),
        (["--trust", "/nonexistent/certs", "HC1:x"], "no such file"),
        (["--bogus", "HC1:x"], "unrecognized"),
    ],
)
def test_usage_errors_exit_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err, _ = run(tmp_path, *args)
    assert code == 2 and message in err


def test_a_file_that_is_not_a_certificate_is_a_usage_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
    code, _, err, _ = run(tmp_path, "--trust", str(junk), "HC1:x")
    assert code == 2 and "junk.pem" in err


def test_payload_from_stdin_and_human_output(tmp_path: Path, trust_files: dict[str, Path]) -> None:
    code, out, _, _ = run(tmp_path, "--trust", str(trust_files["der"]), "-", stdin=CODE + "\n")
    assert code == 0 and out.startswith("VALID  (eu-dcc)") and "M****" in out


def test_without_trust_the_synced_bundle_is_used(tmp_path: Path) -> None:
    from kiosk.store.db import open_store

    store = open_store(tmp_path / "data" / "kiosk.db")
    body = {"version": 1, "trust": {"dsc": [SIGNER.bundle_entry()], "cn_issuers": [], "revoked": {}}}
    with store.writing() as w:
        w.db["bundles"].insert(
            {
                "etag": "e1",
                "fetched_at": "2026-11-28T00:00:00Z",
                "applied_at": "2026-11-28T00:00:01Z",
                "body": json.dumps(body),
            }
        )
    store.close()
    code, out, _, _ = run(tmp_path, "--json", CODE)
    assert code == 0 and last_json(out)["status"] == "valid"
