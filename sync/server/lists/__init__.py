"""Lists: what the server keeps for the gates and sends them in the signed bundle, and the demo
code registry that answers their online code checks.

- `tables.py`: `roster` (residents, ID numbers and phones sealed, key groups), `risk_areas`,
  `trust_entries` (signer certificates, cn-signed issuers, revocations), `server_state` (the
  bundle's mode and change mark), `code_registry` (issued demo cn-token codes and their colours);
- `bundles.py`: building the bundle from these tables (look-up hashes and masked forms, never a full
  ID number or phone), residents and their key groups, the mode;
- `risk_areas.py`: the risk-area list, checked against GB/T 2260;
- `registry.py`: the demo registry standing in for the provincial platform, and a code check's answer;
- `cli.py`, `cli_codes.py`: `kiosk-central roster`, `risk-area`, `mode`, `trust`, `bundle`, and the
  demo codes (`issue-code`, `code set-colour`).

Home isolation goes into the bundle too; it lives with the alerts it raises (sync/server/alerts).
"""
