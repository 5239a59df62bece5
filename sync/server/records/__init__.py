"""Records: what the gates deliver and how the server takes it in.

- `tables.py`: `records` (every journal record, once), `batches` (each batch received, by its id),
  `sync_log` (one row per device request), and the read indexes the console uses on records;
- `body.py`: reading a request body within its size limit and deadline;
- `fastparse.py`: the batch fast path (msgspec), which takes only what the streamed parse would take;
- `batch_stream.py`: a batch body parsed as a stream, its limits enforced while it inflates;
- `ingest.py`: insert-or-ignore on the record uuid, then the device's verified chain moves on;
- `held.py`: the records stored past a gap, as the seq ranges a batch ack names;
- `verify.py`: `kiosk-central verify`, re-reading every stored chain;
- `synclog.py`: writing and reading the sync log;
- `admin_views.py`: the read-only views of devices and records the admin API and the CLI share;
- `cli.py`, `listing.py`: the listings an admin reads (`sync-log`, `records count`, `reports`,
  `device list`) and how they are printed;
- `partitioning.py`: records partitioned by month on PostgreSQL (an operator's step).
"""
