"""GateService wired to the real verifier: signed codes issued with a real ES256 key."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.config import Config
from kiosk.domain.codes import TrustStore, VerifyContext, verify
from kiosk.domain.codes.cn_signed import generate_issuer_key, issue_cn_signed
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource, Outcome, Reason
from kiosk.domain.temperature import Measurement, Method
from kiosk.service.gate import GateRequest, GateService
from kiosk.store.db import Store
from kiosk.store.vault import Vault
from tests.workflow.conftest import ID_CHAOYANG, Clock

KEY = generate_issuer_key()
ISSUER = "示范区健康码中心"
NOW = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)


def code(colour: str, expires: dt.datetime = NOW + dt.timedelta(days=1)) -> str:
    return issue_cn_signed(code_id=f"G-{colour}", colour=colour, holder_name="张三丰", id_number=ID_CHAOYANG, issuer=ISSUER,
                           issued_at=NOW - dt.timedelta(hours=2), expires_at=expires, private_key=KEY.private_key, kid=KEY.kid)


@pytest.fixture
def real_gate(store: Store, cfg: Config, clock: Clock, vault: Vault) -> GateService:
    trust = TrustStore.from_bundle({"cn_issuers": [{"kid": KEY.kid_b64, "public_key": KEY.public_pem(), "issuer": ISSUER}], "dsc": [], "revoked": {}})
    ctx = VerifyContext(trust=trust, at=NOW)
    return GateService(store, cfg, lambda payload: verify(payload, ctx), clock, vault=vault)


@pytest.mark.parametrize(("colour", "outcome"), [("green", Outcome.PASS), ("yellow", Outcome.REVIEW), ("red", Outcome.DENY)])
def test_signed_codes_through_the_gate(real_gate: GateService, store: Store, colour: str, outcome: Outcome) -> None:
    out = real_gate.pass_gate(GateRequest(qr_text=code(colour), readings=(Measurement(36.6, Method.INFRARED),)))
    assert out.code is not None and (out.code.format, out.code.status) == (CodeFormat.CN_SIGNED, CodeStatus.VALID)
    assert (out.colour, out.colour_source, out.decision.outcome) == (Colour(colour), ColourSource.SIGNED, outcome)
    assert store.db.execute("select code_format, code_colour from gate_entries").fetchone() == ("cn-signed", colour)


def test_expired_and_untrusted_codes_are_denied(real_gate: GateService, store: Store) -> None:
    expired = code("green", expires=NOW - dt.timedelta(minutes=1))
    out = real_gate.pass_gate(GateRequest(qr_text=expired, readings=(Measurement(36.6, Method.INFRARED),)))
    assert out.decision.outcome is Outcome.DENY and Reason.CODE_INVALID in out.decision.reasons
    other = generate_issuer_key()
    forged = issue_cn_signed(code_id="F", colour="green", holder_name="x", id_number=ID_CHAOYANG, issuer=ISSUER,
                             issued_at=NOW - dt.timedelta(hours=1), expires_at=NOW + dt.timedelta(hours=1),
                             private_key=other.private_key, kid=other.kid)
    out = real_gate.pass_gate(GateRequest(qr_text=forged, readings=(Measurement(36.6, Method.INFRARED),)))
    assert out.decision.outcome is Outcome.DENY
    assert store.check() == []
