"""Child process for the checkpoint crash test: fill the WAL, report each commit, then start
a checkpoint that the kernel kills at a chosen byte of the main file.

RLIMIT_FSIZE makes the first write of the checkpoint that reaches `limit` bytes of the
database file raise SIGXFSZ, whose default action ends the process on the spot: the main
file is then exactly as a power cut in the middle of the page copy leaves it (page 1 with
the new page count already written, the later pages not yet; the WAL intact).
"""

from __future__ import annotations

import os
import resource
import signal
import sys

from kiosk.store.db import open_store


def main(path: str, records: int, fraction: float, torn: bool) -> None:
    store = open_store(path)
    store.db.execute("pragma wal_autocheckpoint = 0")  # every page stays in the WAL until we copy it
    for n in range(records):
        rec = store.append("test", {"n": n, "pad": "w" * 700})
        sys.stdout.write(f"{rec.seq} {rec.uuid}\n")
    sys.stdout.flush()
    page_size = store.db.execute("pragma page_size").fetchone()[0]
    final = store.db.execute("pragma page_count").fetchone()[0] * page_size
    now = os.path.getsize(path)
    limit = now + int((final - now) * fraction) // page_size * page_size + (page_size // 2 if torn else 0)
    print(f"checkpoint {now} {final} {limit}", flush=True)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it by default; the kernel kills us instead
    store.db.execute("pragma wal_checkpoint(truncate)")
    print("checkpoint finished: the limit was never reached", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "torn")
