"""Wiring health-code verification to the kiosk: trust from the synced bundle and the
trust folder, settings into a VerifyContext, and the `verify(text)` callable that the
gate service takes. Used by `kiosk verify` and by whoever builds the GateService.

Reads the database read-only (the writer is the gate service; sync applies bundles).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError
from kiosk.domain.codes import TrustError, TrustStore, VerifyContext, verify
from kiosk.domain.codes.cn_token import compile_patterns
from kiosk.domain.models import CodeChecker, VerificationResult

_APPLIED_BUNDLES = "select id, body from bundles where applied_at is not null order by applied_at desc, id desc limit ?"


def token_patterns(cfg: Mapping[str, Any]) -> tuple[str, ...]:
    """codes.cn_token_patterns, each compiled once here so a bad one stops the start."""
    patterns = tuple(cfg["codes.cn_token_patterns"])
    try:
        compile_patterns(patterns)
    except ValueError as exc:
        raise ConfigError("settings", "codes.cn_token_patterns", str(exc)) from None
    return patterns


def _read_applied_bundles(db_path: Path, limit: int) -> list[tuple[int, str]]:
    """Applied bundles, newest first (at most `limit`)."""
    if not db_path.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute(_APPLIED_BUNDLES, (limit,)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise TrustError(f"{db_path}: cannot read the synced bundle: {exc}") from None
    return [(int(r[0]), str(r[1])) for r in rows]


def _parse_trust(bundle_id: int, body: str) -> TrustStore:
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise TrustError(f"bundle {bundle_id}: not valid JSON: {exc}") from None
    trust = doc.get("trust", {}) if isinstance(doc, dict) else None
    if not isinstance(trust, dict):
        raise TrustError(f"bundle {bundle_id}: 'trust' is not an object")
    try:
        return TrustStore.from_bundle(trust)
    except TrustError as exc:
        raise TrustError(f"bundle {bundle_id}: {exc}") from None


@dataclass(frozen=True)
class KioskTrust:
    store: TrustStore
    bundle_id: int | None  # the latest applied bundle (None: none yet), even if it was unusable
    error: str | None = None  # why the latest bundle's trust could not be used (an older one is)


def synced_trust(db_path: Path, fallback: int = 10) -> KioskTrust:
    """The trust of the latest applied bundle; if that one is unusable, of the newest usable
    one before it (a bad bundle must not leave the gate without trust, nor stop its start)."""
    bundles = _read_applied_bundles(db_path, fallback)
    if not bundles:
        return KioskTrust(TrustStore(), None)
    error = None
    for bundle_id, body in bundles:
        try:
            return KioskTrust(_parse_trust(bundle_id, body), bundles[0][0], error)
        except TrustError as exc:
            error = error or str(exc)
    return KioskTrust(TrustStore(), bundles[0][0], error)


def kiosk_trust(cfg: Any) -> KioskTrust:
    """Synced bundle plus codes.trust_dir (if set)."""
    from kiosk.domain.codes.trust_files import load_trust_path

    synced = synced_trust(Path(cfg.db_path))
    folder = cfg["codes.trust_dir"]
    if folder:
        if not Path(folder).expanduser().is_dir():
            raise ConfigError("settings", "codes.trust_dir", f"{folder} is not a folder")
        synced.store.merge(load_trust_path(Path(folder).expanduser()))
    return synced


class KioskVerifier:
    """`verify(text)` for the gate service; picks up a newly applied bundle by itself.

    `trust_error` says (for the admin screen) why the latest bundle's trust is not in use.

    The bundle id is looked up at most every `recheck_s` seconds (one indexed read), so a
    new trust list or revocation is in force within seconds of being applied.
    """

    def __init__(
        self,
        cfg: Any,
        checker: CodeChecker | None = None,
        clock: Callable[[], datetime | None] = lambda: None,
        recheck_s: float = 5.0,
    ) -> None:
        self.cfg, self.checker, self.clock, self.recheck_s = cfg, checker, clock, recheck_s
        self.patterns = token_patterns(cfg)
        self._lock = threading.Lock()
        loaded = kiosk_trust(cfg)
        self.trust, self.bundle_id, self.trust_error = loaded.store, loaded.bundle_id, loaded.error
        self._checked_at = time.monotonic()

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.recheck_s:
            return
        self._checked_at = now
        latest = _read_applied_bundles(Path(self.cfg.db_path), 1)
        if force or (latest and latest[0][0] != self.bundle_id):
            loaded = kiosk_trust(self.cfg)
            with self._lock:
                self.trust, self.bundle_id, self.trust_error = loaded.store, loaded.bundle_id, loaded.error

    def context(self) -> VerifyContext:
        return VerifyContext(
            trust=self.trust,
            at=self.clock(),
            checker=self.checker,
            cn_token_patterns=self.patterns,
            leeway_s=self.cfg["codes.clock_leeway_s"],
        )

    def __call__(self, payload: str | bytes) -> VerificationResult:
        try:
            self.refresh()
        except (TrustError, ConfigError):
            pass  # keep verifying with the trust we have; the sync log shows the bad bundle
        return verify(payload, self.context())
