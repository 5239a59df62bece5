"""`serve --workers N` (N > 1): each worker listens on a socket of its own, bound with SO_REUSEPORT.

uvicorn's own multi-worker mode hands every worker one shared listening socket; whichever event
loop wakes first accepts, and with kiosks keeping their connections alive one worker was seen
holding 16-20 of 20 kiosks while the other idled (issue 15). With SO_REUSEPORT the kernel spreads
new connections over the workers' sockets (by a hash of the addresses), so each worker gets its share.

The supervisor here starts the workers (spawned, not forked: no engine or thread is inherited),
restarts one that dies, and on SIGTERM/SIGINT stops them all; each worker also stops when the
supervisor dies (supervision.follow_supervisor, called by the app factory).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

log = logging.getLogger("kiosk-central")
APP = "sync.server.app:app_from_env"
RESTART_PAUSE_S = 1.0
KEEP_ALIVE_S = 30  # longer than a kiosk's pause between uploads: an idle close racing a kiosk's next request resets it


def reuseport_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when the socket says TCP.
    # Without it a response's headers and body went as two writes, the body held back by Nagle until the
    # client's delayed ACK (40 ms on Linux) — on every console page and every kiosk request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str) -> None:  # runs in a spawned process
    import uvicorn

    sock = reuseport_socket(host, port)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=log_level == "debug", timeout_graceful_shutdown=5,
                            timeout_keep_alive=KEEP_ALIVE_S)
    uvicorn.Server(config).run(sockets=[sock])


def _check_port(host: str, port: int) -> None:
    """Fail at once (OSError, exit 2) when another program listens on the port: its socket has no
    SO_REUSEPORT, so ours cannot join it. Bound for the check only, never listening."""
    reuseport_socket(host, port).close()


def run_workers(host: str, port: int, workers: int, log_level: str) -> int:
    _check_port(host, port)
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start(i: int) -> BaseProcess:
        proc = spawn.Process(target=_worker, args=(host, port, log_level), name=f"kiosk-central-worker-{i}")
        proc.start()
        return proc

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    procs = [start(i) for i in range(workers)]
    try:
        while not stop.wait(0.5):
            for i, proc in enumerate(procs):
                if not proc.is_alive() and not stop.is_set():
                    log.warning("worker %s (pid %s) exited with %s; starting another", proc.name, proc.pid, proc.exitcode)
                    time.sleep(RESTART_PAUSE_S)  # a worker that cannot start must not spin
                    procs[i] = start(i)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight (timeout_graceful_shutdown)
        deadline = time.monotonic() + 10
        for proc in procs:
            proc.join(max(deadline - time.monotonic(), 0.1))
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 0
