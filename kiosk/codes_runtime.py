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
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError
from kiosk.domain.codes import TrustError, TrustStore, VerifyContext, verify
from kiosk.domain.codes.cn_token import compile_patterns
from kiosk.domain.models import CodeChecker, VerificationResult

_LATEST_BUNDLE = "select id, body from bundles where applied_at is not null order by applied_at desc, id desc limit 1"


def token_patterns(cfg: Mapping[str, Any]) -> tuple[str, ...]:
    """codes.cn_token_patterns, each compiled once here so a bad one stops the start."""
    patterns = tuple(cfg["codes.cn_token_patterns"])
    try:
        compile_patterns(patterns)
    except ValueError as exc:
        raise ConfigError("settings", "codes.cn_token_patterns", str(exc)) from None
    return patterns


def _read_latest_bundle(db_path: Path) -> tuple[int, str] | None:
    if not db_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(_LATEST_BUNDLE).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise TrustError(f"{db_path}: cannot read the synced bundle: {exc}") from None
    return (int(row[0]), str(row[1])) if row else None


def synced_trust(db_path: Path) -> tuple[TrustStore, int | None]:
    """The trust section of the latest applied bundle, and that bundle's id (None: none yet)."""
    latest = _read_latest_bundle(db_path)
    if latest is None:
        return TrustStore(), None
    bundle_id, body = latest
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise TrustError(f"bundle {bundle_id}: not valid JSON: {exc}") from None
    trust = doc.get("trust", {}) if isinstance(doc, dict) else None
    if not isinstance(trust, dict):
        raise TrustError(f"bundle {bundle_id}: 'trust' is not an object")
    try:
        return TrustStore.from_bundle(trust), bundle_id
    except TrustError as exc:
        raise TrustError(f"bundle {bundle_id}: {exc}") from None


def kiosk_trust(cfg: Any) -> tuple[TrustStore, int | None]:
    """Synced bundle plus codes.trust_dir (if set)."""
    from kiosk.domain.codes.trust_files import load_trust_path

    store, bundle_id = synced_trust(Path(cfg.db_path))
    folder = cfg["codes.trust_dir"]
    if folder:
        if not Path(folder).expanduser().is_dir():
            raise ConfigError("settings", "codes.trust_dir", f"{folder} is not a folder")
        store.merge(load_trust_path(Path(folder).expanduser()))
    return store, bundle_id


class KioskVerifier:
    """`verify(text)` for the gate service; picks up a newly applied bundle by itself.

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
        self.trust, self.bundle_id = kiosk_trust(cfg)
        self._checked_at = time.monotonic()

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.recheck_s:
            return
        self._checked_at = now
        latest = _read_latest_bundle(Path(self.cfg.db_path))
        if force or (latest is not None and latest[0] != self.bundle_id):
            trust, bundle_id = kiosk_trust(self.cfg)
            with self._lock:
                self.trust, self.bundle_id = trust, bundle_id

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
