"""The bundle pull: GET /v1/bundle with If-None-Match, signature checked against the pinned
key, then applied in ONE transaction (bundles row, residents, risk areas, mode, a journal
record for the audit trail). A bundle that fails any check is not applied at all; the
previous one stays in force.

The roster carries no ID number or phone, only look-up hashes keyed with the community's key
(received at enrolment) and masked forms; they go into `people` as they are.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from kiosk.store import state
from kiosk.store.db import Store
from kiosk.store.people_rows import key_groups_json, put_people

from sync import log as synclog
from sync import revoked
from sync.link import ServerLink
from sync.protocol import PATH_BUNDLE, BundleError, verify_bundle
from sync.protocol.chain import canonical_json
from sync.protocol.clock import utc_iso

KEEP_BUNDLES = 5


class PullStatus(enum.StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"  # answered, but not a bundle we may apply
    FAILED = "failed"  # no usable answer (network, 5xx)


@dataclass(frozen=True)
class PullResult:
    status: PullStatus
    etag: str | None = None
    roster: int = 0
    risk_areas: int = 0
    error: str | None = None


def current_etag(store: Store) -> str | None:
    row = store.db.execute("select etag from bundles where applied_at is not null order by id desc limit 1").fetchone()
    return row[0] if row else None


def _issued_at(store: Store) -> datetime | None:
    row = store.db.execute("select body from bundles where applied_at is not null order by id desc limit 1").fetchone()
    if not row:
        return None
    try:
        return datetime.fromisoformat(json.loads(row[0])["issued_at"])
    except (ValueError, KeyError, TypeError):
        return None


def apply_bundle(store: Store, bundle: dict[str, Any], etag: str, fetched_at: str | None = None) -> PullResult:
    """One transaction: everything of the bundle is in force afterwards, or nothing is."""
    now = utc_iso()
    fetched_at = fetched_at or now
    roster = bundle.get("roster", [])
    areas = bundle.get("risk_areas", [])
    isolation = bundle.get("isolation", [])
    mode = bundle.get("policy", {}).get("mode", "normal")
    # Residents arrive as look-up hashes (keyed with the community key, over the gate's normal forms)
    # and masked forms: the kiosk never holds a resident's number, it recognises it when typed. The
    # bundle's schema allows only kiosk.domain.policy.KeyGroup values as key groups.
    people = [{
        "uuid": p["uuid"], "kind": "resident", "name": p["name"], "id_type": "cn-id" if p.get("id_hash") else None,
        "id_cipher": None, "id_hash": p.get("id_hash") or None, "id_masked": p.get("id_masked") or None,
        "phone_cipher": None, "phone_hash": p.get("phone_hash") or None, "phone_masked": p.get("phone_masked") or None,
        "building": p.get("building", ""), "unit": p.get("unit", ""), "room": p.get("room", ""),
        "key_groups": key_groups_json(p.get("key_groups") or []), "source": "bundle", "created_at": now, "updated_at": now,
    } for p in roster]
    with store.writing() as w:
        db = w.db
        db.execute(
            "insert into bundles (etag, fetched_at, applied_at, body) values (?, ?, ?, ?)",
            [etag, fetched_at, now, canonical_json(bundle)],
        )
        db.execute(
            "delete from bundles where id not in (select id from bundles order by id desc limit ?)", [KEEP_BUNDLES]
        )
        put_people(db, people)
        # The roster is authoritative: residents it no longer lists are no longer residents.
        db.execute(
            "delete from people where source = 'bundle' and uuid not in (select value from json_each(?))",
            [json.dumps([p["uuid"] for p in roster])],
        )
        db.execute("delete from risk_areas")
        db.conn.executemany(
            "insert into risk_areas (region_code, level, since) values (?, ?, ?)",
            [[a["region_code"], a["level"], a["since"]] for a in areas],
        )
        db.execute("delete from home_isolation")  # the list is authoritative: an entry it drops is lifted
        db.conn.executemany(
            "insert into home_isolation (id_hash, person_uuid, name_masked, id_masked, building, unit, room, start_date,"
            " end_date) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[i.get("id_hash") or None, i.get("person_uuid") or None, i.get("name_masked", ""), i.get("id_masked", ""),
              i.get("building", ""), i.get("unit", ""), i.get("room", ""), i["start"], i["end"]] for i in isolation],
        )
        state.put(db, state.MODE_FROM_BUNDLE, mode, now)
        trust = bundle.get("trust", {})
        w.append(
            "bundle_applied",
            {
                "etag": etag, "issued_at": bundle.get("issued_at"), "version": bundle.get("version"), "mode": mode,
                "roster": len(roster), "risk_areas": len(areas), "isolation": len(isolation), "dsc": len(trust.get("dsc", [])),
                "cn_issuers": len(trust.get("cn_issuers", [])),
                "revoked": sum(len(v) for v in trust.get("revoked", {}).values()),
            },
        )
    return PullResult(PullStatus.APPLIED, etag, len(roster), len(areas))


class Puller:
    def __init__(self, store: Store, link: ServerLink, bundle_key: Ed25519PublicKey) -> None:
        self.store = store
        self.link = link
        self.bundle_key = bundle_key

    def pull(self) -> PullResult:
        started = utc_iso()
        etag = current_etag(self.store)
        reply = self.link.request("GET", PATH_BUNDLE, headers={"If-None-Match": etag} if etag else None)
        result = self._handle(reply.status, reply.content, reply.describe(), etag, reply.error_code)
        synclog.record(
            self.store,
            synclog.Attempt(
                at=started, direction="pull", batch_id=result.etag, records=result.roster, bytes=len(reply.content),
                duration_ms=reply.duration_ms, http_status=reply.status, error=result.error,
            ),
            skew_s=self.link.skew_s if self.link.skew_measured else None,
        )
        return result

    def _handle(self, status: int | None, content: bytes, described: str, etag: str | None, error_code: str | None = None) -> PullResult:
        if status == 304:
            return PullResult(PullStatus.UNCHANGED, etag)
        if revoked.is_revoked_answer(status, error_code):
            revoked.mark(self.store)
            return PullResult(PullStatus.REJECTED, error=f"{revoked.MESSAGE}: {revoked.ADVICE} ({described})")
        if status != 200:
            kind = PullStatus.FAILED if status is None or status >= 500 or status == 429 else PullStatus.REJECTED
            return PullResult(kind, error=described)
        try:
            bundle, new_etag = verify_bundle(content, self.bundle_key)
        except BundleError as exc:
            return PullResult(PullStatus.REJECTED, error=f"bundle not applied: {exc}")
        if new_etag == etag:
            return PullResult(PullStatus.UNCHANGED, etag)
        previous = _issued_at(self.store)
        try:
            issued = datetime.fromisoformat(bundle["issued_at"])
        except ValueError:
            return PullResult(PullStatus.REJECTED, error=f"bundle not applied: bad issued_at {bundle['issued_at']!r}")
        if previous is not None and None not in (issued.tzinfo, previous.tzinfo) and issued < previous:
            return PullResult(
                PullStatus.REJECTED,
                error=f"bundle not applied: issued {bundle['issued_at']}, older than the one in force (a replay?)",
            )
        return apply_bundle(self.store, bundle, new_etag)
