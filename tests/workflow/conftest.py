"""Workflow fixtures: a GateService on a real SQLite store, a settable clock, a table verifier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from kiosk.config import Config
from kiosk.domain.models import CodeFormat, CodeStatus, Colour, ColourSource, PlatformAnswer, VerificationResult
from kiosk.service.gate import GateService
from kiosk.store.db import Store
from kiosk.store.vault import Vault

# Real GB 11643 numbers (check digits computed by the standard algorithm).
ID_CHAOYANG = "11010519491231002X"  # the standard's own example
ID_DEAN = "360426199101010071"  # python-stdnum's example


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += dt.timedelta(**kw)


def table_verify(payload: str) -> VerificationResult:
    """Stands in for the verifier (injected by contract): the payload names the result."""
    kinds = {
        "GREEN": (CodeFormat.CN_SIGNED, CodeStatus.VALID, Colour.GREEN, ColourSource.SIGNED),
        "YELLOW": (CodeFormat.CN_SIGNED, CodeStatus.VALID, Colour.YELLOW, ColourSource.SIGNED),
        "RED": (CodeFormat.CN_SIGNED, CodeStatus.VALID, Colour.RED, ColourSource.SIGNED),
        "EXPIRED": (CodeFormat.CN_SIGNED, CodeStatus.EXPIRED, Colour.NONE, ColourSource.NONE),
        "TOKEN": (CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, Colour.NONE, ColourSource.NONE),
    }
    fmt, status, colour, source = kinds.get(payload.split(":")[0], (CodeFormat.UNKNOWN, CodeStatus.MALFORMED, Colour.NONE, ColourSource.NONE))
    return VerificationResult(fmt, status, colour, source)


@dataclass
class ScriptedChecker:
    """A CodeChecker answering from a table; None = the platform could not be reached."""

    answers: dict[str, PlatformAnswer] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
        self.calls.append(id_number or qr_text or "")
        return self.answers.get(id_number or qr_text or "")


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC))  # 09:00 in Shanghai


@pytest.fixture
def vault(cfg: Config) -> Vault:
    return Vault.open(cfg.data_dir)


@pytest.fixture
def make_gate(store: Store, cfg: Config, clock: Clock, vault: Vault) -> Callable[..., GateService]:
    def make(checker: ScriptedChecker | None = None, **settings: object) -> GateService:
        c = cfg.replace(**settings) if settings else cfg
        return GateService(store, c, table_verify, clock, checker=checker, vault=vault)

    return make


@pytest.fixture
def gate(make_gate: Callable[..., GateService]) -> GateService:
    return make_gate()


GUARD, GUARD_PIN = "值守甲", "2580"


def sign_in_guard(gate: GateService, name: str = GUARD, pin: str = GUARD_PIN) -> None:
    """An admin added the guard (kiosk admin add-guard); the guard signs in with their PIN."""
    if name not in gate.duty.guard_names():
        gate.duty.add_guard(name, pin=pin)
    gate.duty.sign_in(name, pin)


@pytest.fixture
def on_duty(gate: GateService) -> GateService:
    """The gate with a guard signed in (attested colours and overrides need one)."""
    sign_in_guard(gate)
    return gate
