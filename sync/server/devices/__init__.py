"""Devices: the kiosks as the central server knows them, and who may speak to it at all.

- `tables.py`: `devices` (each enrolled kiosk and the server's view of its hash chain), `enroll_codes`,
  `nonces`, `rate_counters`, `refused_requests`;
- `enrol.py`: issuing a device id with its one-time enrolment code, enrolment, key roll, revocation;
- `device_auth.py`: authenticating a signed request (signature, clock window, one-time nonce);
- `device_secrets.py`: the devices' HMAC secrets sealed at rest, and the per-community roster look-up keys;
- `ratelimit.py`: the request budgets per source address and per device, counted in the database;
- `refusals.py`: the requests refused before any device was authenticated (kept apart from the sync log).
"""
