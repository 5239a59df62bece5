"""The nouns of the gate, as frozen dataclasses and enums shared by every part."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol


class CodeFormat(enum.StrEnum):
    EU_DCC = "eu-dcc"
    CN_TOKEN = "cn-token"
    CN_SIGNED = "cn-signed"
    UNKNOWN = "unknown"


class CodeStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    SIGNATURE_INVALID = "signature-invalid"
    UNTRUSTED = "untrusted"
    MALFORMED = "malformed"
    SCHEMA_INVALID = "schema-invalid"
    KEY_USAGE_INVALID = "key-usage-invalid"
    REVOKED = "revoked"
    UNSUPPORTED = "unsupported"
    UNVERIFIED = "unverified"


class Colour(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"


class ColourSource(enum.StrEnum):
    """Where a code colour came from: the record must say which."""

    SIGNED = "signed"  # read from a verified offline code
    ONLINE = "online"  # answered by the platform
    ATTESTED = "attested"  # the guard looked at the phone
    NONE = "none"


class Outcome(enum.StrEnum):
    PASS = "pass"
    DENY = "deny"
    REVIEW = "review"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class PersonKind(enum.StrEnum):
    RESIDENT = "resident"
    VISITOR = "visitor"
    STAFF = "staff"


class Mode(enum.StrEnum):
    NORMAL = "normal"
    LOCKDOWN = "lockdown"


class Reason(enum.StrEnum):
    """Why a pass was denied or sent to review; every DENY/REVIEW carries one."""

    CODE_RED = "code-red"
    CODE_YELLOW = "code-yellow"
    CODE_INVALID = "code-invalid"
    CODE_UNVERIFIED = "code-unverified"
    CODE_MISSING = "code-missing"
    FEVER_CONFIRMED = "fever-confirmed"
    FEVER_REMEASURE = "fever-remeasure"
    TEMPERATURE_LOW = "temperature-low"
    TEMPERATURE_BAD = "temperature-bad"
    TEMPERATURE_MISSING = "temperature-missing"
    LOCKDOWN_NON_RESIDENT = "lockdown-non-resident"
    KEY_GROUP = "key-group"
    RISK_AREA = "risk-area"
    AT_CAPACITY = "at-capacity"
    GUARD_OVERRIDE = "guard-override"
    NO_GUARD_ON_DUTY = "no-guard-on-duty"  # a colour attested with nobody signed in counts for nothing
    REFERRED_FEVER_CLINIC = "referred-fever-clinic"  # a confirmed fever, sent on to the fever clinic by the guard
    ATTESTED_MISMATCH = "attested-mismatch"  # a note: the guard reported another colour than the verified code
    HOME_ISOLATION = "home-isolation"  # under home isolation (居家隔离): stopped going out, noted coming in


@dataclass(frozen=True)
class VerificationResult:
    """The one answer the verifier gives for any payload."""

    format: CodeFormat
    status: CodeStatus
    colour: Colour = Colour.NONE
    colour_source: ColourSource = ColourSource.NONE
    reason: str = ""
    holder_name_masked: str = ""
    id_masked: str = ""
    kid: str = ""
    cert_id_hash: str = ""
    details: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.status is CodeStatus.VALID


@dataclass(frozen=True)
class PlatformAnswer:
    """What the platform (via the central server's code check) says about a code or ID."""

    colour: Colour
    name_masked: str = ""
    id_masked: str = ""
    updated_at: str = ""  # ISO 8601, UTC
    holder_hash: str = ""  # the community look-up hash of the holder's ID number (for the pass's identity)
    holder_sealed: str = ""  # the holder's ID number sealed to the server: the kiosk cannot open it
    holder_name_sealed: str = ""


class CodeChecker(Protocol):
    """Asks the platform for a code's colour; None when it cannot be reached in time."""

    def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None: ...
