"""Contacts: close-contact tracing (密接/次密接排查) over the gates' passes.

- `tables.py`: `passes` (one row per gate entry: gate, time, direction, the person's look-up hash and
  number), `pass_gates` and `pass_people` (a small number for each gate and person, and who a person
  is, masked and sealed);
- `passes.py`: the projection ingest writes in the batch's transaction (and the backfill of migration 0011);
- `tracing.py`: a look-up: close contacts and secondary contacts of one person, audited;
- `queries.py`: its two SQL statements over the covering indexes;
- `cli.py`: `kiosk-central contacts` (the console's contacts page asks through the same `audited_lookup`).
"""
