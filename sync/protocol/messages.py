"""The JSON messages of the protocol, as pydantic models (one definition for both ends and OpenAPI).

Requests are strict (no type coercion, unknown fields rejected) so a wrong type is a clear 422;
responses ignore unknown fields so an older kiosk can read a newer server.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sync.protocol.chain import GENESIS_HASH

PROTOCOL_VERSION = 1
DEFAULT_MAX_BATCH_RECORDS = 2000
DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024  # the request body as sent (gzip)
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024  # gzip-bomb guard, whatever the limits above
MAX_SEQ = 2**63 - 1  # sequence numbers are stored as signed 64-bit integers
MAX_RECORD_BODY_CHARS = 1024 * 1024  # a daily report with its visitor list fits; a runaway body does not

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
HEX64_PATTERN = r"^[0-9a-f]{64}$"


def _utc_iso(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time such as 2026-11-28T07:00:00+00:00") from None
    if parsed.tzinfo is None:
        raise ValueError("must carry a UTC offset (times are stored as UTC)")
    return value


def _json_object_text(value: str) -> str:
    try:
        loaded = json.loads(value)
    except ValueError:
        raise ValueError("must be the record's canonical JSON text") from None
    except RecursionError:  # pydantic does not turn this one into a validation error by itself
        raise ValueError("must be the record's canonical JSON text (it nests too deeply)") from None
    if not isinstance(loaded, dict):
        raise ValueError("must be the JSON text of an object")
    return value


Uuid = Annotated[str, Field(pattern=UUID_PATTERN)]
Hex64 = Annotated[str, Field(pattern=HEX64_PATTERN)]
IsoTime = Annotated[str, Field(max_length=40), AfterValidator(_utc_iso)]
DeviceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Colour = Literal["green", "yellow", "red", "none"]


class _Request(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# ---- batches ---------------------------------------------------------------------------------


class WireRecord(_Request):
    """One journal record exactly as the kiosk chained it (see sync/protocol/chain.py)."""

    uuid: Uuid
    seq: int = Field(ge=1, le=MAX_SEQ)
    kind: str = Field(pattern=r"^[a-z0-9_.-]{1,64}$")
    created_at: IsoTime
    body: Annotated[str, Field(max_length=MAX_RECORD_BODY_CHARS), AfterValidator(_json_object_text)]
    prev_hash: Hex64
    hash: Hex64


class DoctorLine(_Request):
    """One line of `kiosk doctor`: a check's name, ✔/✗, what was found and what to do."""

    name: str = Field(pattern=r"^[a-z_]{1,32}$")
    ok: bool
    summary: str = Field(max_length=500)
    fix: str = Field(default="", max_length=500)


class DoctorSummary(_Request):
    """The kiosk's last `kiosk doctor` result, sent with its batches for the console's device list."""

    at: IsoTime
    ok: bool
    checks: list[DoctorLine] = Field(min_length=1, max_length=40)


class BatchEnvelope(_Request):
    """POST /v1/batches (gzip JSON). `batch_id` is the idempotency key (also header Idempotency-Key)."""

    protocol: Literal[1] = 1
    device_id: DeviceId
    batch_id: Uuid
    sent_at: IsoTime
    records: list[WireRecord] = Field(min_length=1)
    device_last_seq: int | None = Field(default=None, ge=0, le=MAX_SEQ)  # optional: the kiosk's newest seq, for the admin's backlog view
    doctor: DoctorSummary | None = None  # optional: the kiosk's last `kiosk doctor` result

    @model_validator(mode="after")
    def _ascending(self) -> BatchEnvelope:
        seqs = [r.seq for r in self.records]
        if any(b <= a for a, b in zip(seqs, seqs[1:], strict=False)):
            raise ValueError("records must be in strictly ascending seq order")
        return self


MAX_HELD_RANGES = 50


class SeqRange(_Response):
    first: int
    last: int


class ChainReport(_Response):
    """The server's view of the device's whole chain after this batch."""

    status: Literal["ok", "gap", "broken", "conflict"]
    verified_through_seq: int  # the chain is proven from the anchor up to here
    last_hash: str
    gaps: list[SeqRange] = []  # seq ranges missing between stored records
    problem: str | None = None  # first broken link or conflict, in words


class BatchAck(_Response):
    """200 answer to a batch. Mark sent ONLY records with seq <= acked_through_seq."""

    batch_id: str
    device_id: str
    received: int
    stored: int  # newly inserted
    duplicates: int  # already held (a retry)
    acked_through_seq: int  # every record from the anchor up to here is stored on the server
    chain: ChainReport
    server_time: str
    # Records held past a gap (e.g. after a parked record): every seq above acked_through_seq the
    # server stores, as ranges in ascending order, the first MAX_HELD_RANGES of them. The kiosk
    # marks these sent too, so one missing record does not stall every record after it.
    held_ranges: list[SeqRange] = []
    held_complete: bool = True  # False: more ranges exist above the last one listed


# ---- enrolment -------------------------------------------------------------------------------


class EnrollRequest(_Request):
    """POST /v1/enroll (unsigned: the one-time code is the credential, bound to a server-assigned device id)."""

    protocol: Literal[1] = 1
    enroll_code: str = Field(min_length=6, max_length=64)
    journal_id: DeviceId  # the kiosk's journal device id (device_state.device_id): it is in every record hash
    # Random, made by the kiosk and kept until it has its answer: a repeat with the same key (the
    # answer was lost) gets the same answer; anyone else holding the code gets 403.
    enroll_key: str = Field(pattern=r"^[A-Za-z0-9_-]{32,64}$")
    device_id: DeviceId | None = None  # the id `kiosk-central device add` printed, when the admin gives it: must match
    label: str = Field(default="", max_length=100)
    anchor_seq: int = Field(default=0, ge=0, le=MAX_SEQ)  # records up to here were purged before enrolment
    anchor_hash: Hex64 = GENESIS_HASH


class EnrollResponse(_Response):
    device_id: str  # assigned by the server: sign every request and name every batch with it
    device_secret: str  # base64url, >= 32 bytes; store 0600 outside the repo
    bundle_key_id: str
    bundle_public_key: str  # Ed25519, PEM SubjectPublicKeyInfo: pin it, verify every bundle with it
    server_time: str
    clock_window_s: int
    max_batch_records: int
    max_batch_bytes: int
    community: str = "default"
    roster_key: str = ""  # base64url, 32 bytes: the community's key for roster look-up hashes (bundle)
    identity_key: str = ""  # base64url, 32 bytes: the server's X25519 public key; passes seal ID numbers to it


class KeyRollRequest(_Request):
    """POST /v1/device/key, signed with the CURRENT secret: asks for a new one."""

    protocol: Literal[1] = 1


class KeyRollResponse(_Response):
    """The new secret. The old one stays valid until the first request signed with the new one."""

    device_id: str
    device_secret: str
    community: str = "default"
    roster_key: str = ""
    identity_key: str = ""


# ---- code check (GB/T 38963 验码-like) --------------------------------------------------------


class CodeCheckRequest(_Request):
    """POST /v1/code-check, signed. Exactly one of qr_text / id_number."""

    request_id: Uuid
    qr_text: str | None = Field(default=None, min_length=1, max_length=4096)
    id_number: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9Xx]$")

    @model_validator(mode="after")
    def _one_of(self) -> CodeCheckRequest:
        if (self.qr_text is None) == (self.id_number is None):
            raise ValueError("give exactly one of qr_text or id_number")
        return self


class CodeCheckResponse(_Response):
    request_id: str
    found: bool  # false: the platform does not know this code/ID (colour "none")
    colour: Colour
    name_masked: str = ""
    id_masked: str = ""
    updated_at: str = ""  # when the platform last set the colour (UTC ISO 8601)
    # Who holds the code, for the gate record's identity (never in clear): the community look-up hash
    # of the holder's ID number, and the number and name sealed to the server's identity key.
    holder_hash: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    holder_sealed: str = Field(default="", max_length=400)
    holder_name_sealed: str = Field(default="", max_length=400)


# ---- reports, time, errors -------------------------------------------------------------------


class ReportUpload(_Request):
    """POST /v1/reports, signed: the community's daily report (or zero report) for one date."""

    report_id: Uuid
    date: date
    kind: Literal["daily", "zero"]
    body: dict[str, Any]

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)  # date arrives as a string


class AlertUpload(_Request):
    """POST /v1/alerts, signed: one alert record sent ahead of the batch queue (the priority lane).
    The same record (same uuid) reaches the server again later inside a batch; it is stored once."""

    uuid: Uuid  # the alert record's uuid in the kiosk's journal
    seq: int = Field(ge=1)
    created_at: IsoTime
    body: str = Field(min_length=2, max_length=16_384)  # the record's canonical JSON body


class AlertAck(_Response):
    uuid: str
    stored: bool  # false: the server already held this alert (a retry, or its batch came first)
    received_at: str


class ReportAck(_Response):
    report_id: str
    stored: bool  # false: the same report_id was already held (a retry)
    received_at: str


class TimeResponse(_Response):
    server_time: str
    server_time_unix: float


class ErrorDetail(_Response):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorResponse(_Response):
    error: ErrorDetail
