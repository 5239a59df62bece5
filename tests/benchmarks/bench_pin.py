"""PIN hash time: argon2id at the parameters the kiosk stores (kiosk/service/pins.py), side
by side with the old scrypt N=2^14 and with scrypt N=2^17 (the issue's other option).

Run: .venv/bin/python tests/benchmarks/bench_pin.py [--rounds 15]
Target (issue 10): one hash (= one sign-in check) under 300 ms on this machine.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import time
from collections.abc import Callable

from kiosk.service.pins import _HASHER, hash_pin, legacy_scrypt_hash, verify_pin


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms of this process, all threads): on a shared machine the CPU time says
    what one hash costs, the wall time what a guard waits under the load of the moment."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    rounds = ap.parse_args().rounds
    stored = hash_pin("2580")
    salt = secrets.token_bytes(16)
    cases: dict[str, Callable[[], object]] = {
        f"argon2id t={_HASHER.time_cost} m={_HASHER.memory_cost} KiB p={_HASHER.parallelism} (hash)": lambda: hash_pin("2580"),
        "argon2id (verify, = one sign-in check)": lambda: verify_pin("2580", stored),
        "scrypt N=2^14 r=8 p=1 (old kiosks)": lambda: legacy_scrypt_hash("2580", salt),
        "scrypt N=2^17 r=8 p=1": lambda: hashlib.scrypt(b"2580", salt=salt, n=2**17, r=8, p=1, maxmem=256 * 2**17 * 8, dklen=32),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(rounds):  # interleaved: each round times every case once, so load hits all alike
        for name, fn in cases.items():
            wall, used = _time(fn)
            times[name].append(wall)
            cpu[name].append(used)
    base = statistics.median(times[next(iter(cases))])
    print(f"{'case':62} {'wall p50':>9} {'wall p90':>9} {'wall max':>9} {'CPU p50':>8} {'ratio':>6}  (ms)")
    for name, ts in times.items():
        ts.sort()
        med = statistics.median(ts)
        print(f"{name:62} {med:9.1f} {ts[int(0.9 * (len(ts) - 1))]:9.1f} {ts[-1]:9.1f} {statistics.median(cpu[name]):8.1f} {med / base:6.2f}")


if __name__ == "__main__":
    main()
