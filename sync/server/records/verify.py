"""`kiosk-central verify`: re-read a device's stored records and re-check the whole chain.

The device row only says what ingest saw; a record deleted or altered in the database later
would go unnoticed. This walks every stored record from the enrolment anchor (sequence, links,
hashes). A problem below what the server had acknowledged is marked on the device
(`chain_status = broken`, sticky until an operator looks) so `device list` shows it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from sync.protocol import verify_chain
from sync.server.devices.tables import devices
from sync.server.records.tables import records


@dataclass(frozen=True)
class ChainCheck:
    device_id: str
    verified_through: int  # the chain re-checks from the anchor up to here
    acknowledged_through: int  # what the server had told the kiosk it holds
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_device(conn: Connection, device_id: str) -> ChainCheck:
    dev = conn.execute(select(devices).where(devices.c.device_id == device_id)).first()
    if dev is None:
        raise ValueError(f"no enrolled device {device_id!r} (see kiosk-central device list)")
    rows = conn.execution_options(yield_per=5000).execute(
        select(records.c.seq, records.c.uuid, records.c.kind, records.c.created_at, records.c.body,
               records.c.prev_hash, records.c.hash)
        .where(records.c.device_id == device_id, records.c.seq > dev.anchor_seq)
        .order_by(records.c.seq)
    )
    # records are hashed under the kiosk's journal id (sent at enrolment), not the server's device id
    chain_id = dev.journal_id or device_id
    last, _, found = verify_chain(chain_id, (tuple(r) for r in rows), dev.anchor_seq, dev.anchor_hash)
    rows.close()
    problem = None
    if found is not None and found.problem.startswith("sequence gap"):
        if last < dev.stored_through_seq:  # above the acknowledged prefix it is the known `gap` state
            problem = (f"seq {last + 1}-{found.seq - 1} missing although the server had acknowledged through seq "
                       f"{dev.stored_through_seq}: deleted from the database")
    elif found is not None:
        problem = f"seq {found.seq}: {found.problem}"
    elif last < dev.stored_through_seq:
        problem = f"the stored chain ends at seq {last} but seq {dev.stored_through_seq} was acknowledged (records deleted at the end)"
    return ChainCheck(device_id, last, dev.stored_through_seq, problem)


def verify_devices(conn: Connection, device_id: str | None = None) -> list[ChainCheck]:
    ids = [device_id] if device_id else list(conn.execute(select(devices.c.device_id).order_by(devices.c.device_id)).scalars())
    out = []
    for dev_id in ids:
        result = check_device(conn, dev_id)
        if result.problem:
            conn.execute(update(devices).where(devices.c.device_id == dev_id).values(
                chain_status="broken", chain_problem=f"verify: {result.problem}"))
        out.append(result)
    return out
