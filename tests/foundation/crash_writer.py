"""Child process for the crash test: append records as fast as possible, report each commit."""

from __future__ import annotations

import sys

from kiosk.store.db import open_store


def main(path: str) -> None:
    store = open_store(path)
    print("ready", flush=True)
    n = 0
    while True:
        with store.writing() as w:
            rec = w.append("test", {"n": n, "pad": "z" * (n % 500)})
            w.db.execute(
                "insert into temperature_readings (record_uuid, seq, created_at, value_c, method, classification, valid)"
                " values (?, ?, ?, ?, 'keypad', 'normal', 1)",
                [rec.uuid, rec.seq, rec.created_at, 36.5],
            )
        # Reported only after the commit returned: this is what the kiosk would show as recorded.
        sys.stdout.write(f"{rec.seq} {rec.uuid}\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    main(sys.argv[1])
