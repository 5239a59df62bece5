"""`serve --workers 2`: kiosks that keep their connections open are spread over both workers (each worker
listens on its own SO_REUSEPORT socket), not left on whichever worker woke first."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from tests.server.central import create_pg_database, drop_pg_database, start_central


def _sockets(pids: list[int], port: int, state: str = "01") -> Counter[int]:
    """TCP sockets on the local port in `state` (01 established, 0A listening), by the process holding them."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == state:
            inodes.add(parts[9])
    held: Counter[int] = Counter()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[pid] += 1
    return held


def test_kept_alive_kiosks_are_spread_over_the_workers(tmp_path: Path) -> None:
    url = create_pg_database()
    central = start_central(tmp_path / "central", url, workers=2)
    sessions = [requests.Session() for _ in range(40)]
    try:
        port = int(central.url.rsplit(":", 1)[1])
        workers = [int(p) for p in Path(f"/proc/{central.proc.pid}/task/{central.proc.pid}/children").read_text().split()]
        deadline = time.monotonic() + 60
        while len(_sockets(workers, port, "0A")) < 2 and time.monotonic() < deadline:  # the second worker may still be starting
            time.sleep(0.2)
        ready, answers = threading.Barrier(len(sessions)), []

        def connect(s: requests.Session) -> None:  # 40 kiosks connect at the same moment and keep their connections
            ready.wait()
            answers.append(s.get(central.url + "/v1/time", timeout=10).status_code)

        threads = [threading.Thread(target=connect, args=(s,)) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert answers == [200] * 40
        time.sleep(0.2)
        held = _sockets(workers, port)
        assert sum(held.values()) == 40, held
        assert len(held) == 2 and min(held.values()) >= 8, f"connections per worker: {dict(held)}"
    finally:
        for s in sessions:
            s.close()
        central.stop()
        drop_pg_database(url)


def test_worker_connections_send_without_nagle_delay() -> None:
    """A worker's socket is marked TCP, so asyncio turns Nagle off on each accepted connection: the body
    of a response, written after its headers, is not held back until the client's delayed ACK."""
    import asyncio
    import socket

    from sync.server.serving import reuseport_socket

    async def main() -> int:
        sock = reuseport_socket("127.0.0.1", 0)
        sock.listen()
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        nodelay = await asyncio.wait_for(seen, 10)
        writer.close()
        server.close()
        return nodelay

    # in a thread of its own: an earlier test in the same process (the browser's) may leave an event loop
    # set as running on this thread, and asyncio.run refuses to start beside it
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, main()).result(timeout=30) != 0
