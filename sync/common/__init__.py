"""The small shared package of pure helpers that both ends import.

The kiosk (through kiosk.domain) and the central server (sync/server, which never imports
kiosk.*) apply the same rules to the same data: masking ID numbers, phones and names;
validating ID documents, mobiles and names; region codes; key-person groups and categories;
the daily report's shape and day window; issuing `cn-signed` (HCN1:) codes; retry delays
(`Backoff`, which the kiosk's devices and sync client import from here directly). Those rules
live here, once. Pure: no I/O, no database, no network, no GUI; standard library plus python-stdnum,
cbor2, base45 and cryptography. It imports nothing of kiosk.*, sync.server or the kiosk side
of sync (ruff enforces it: sync/common/ruff.toml, tests/foundation/test_boundaries.py).
See docs/architecture.md ("Parts and imports").
"""
