"""Worker processes go down with the `serve` process that started them.

uvicorn's supervisor stops its workers on SIGTERM, but a SIGKILL (or a crash) of the parent
leaves them serving on the shared socket, and a restart then fails with "Address already in
use". Each worker therefore asks the kernel for SIGTERM when its parent dies (Linux
PR_SET_PDEATHSIG) and, as a fallback, watches its parent pid; either way it shuts down
gracefully and frees the port.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading

log = logging.getLogger(__name__)

ENV_SUPERVISOR_PID = "KIOSK_CENTRAL_SUPERVISOR_PID"  # set by `serve` for its worker processes
PR_SET_PDEATHSIG = 1
WATCH_EVERY_S = 0.5


def _pdeathsig(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)) == 0
    except OSError:
        return False


def _stop_self() -> None:
    log.warning("the kiosk-central supervisor (parent process) is gone: this worker stops")
    os.kill(os.getpid(), signal.SIGTERM)


def follow_supervisor() -> bool:
    """In a worker started by `serve`: stop when the supervisor dies. False when not a worker."""
    raw = os.environ.get(ENV_SUPERVISOR_PID, "")
    if not raw.isdigit() or int(raw) == os.getpid():
        return False
    parent = int(raw)
    _pdeathsig(signal.SIGTERM)
    if os.getppid() != parent:  # it died before we asked
        _stop_self()
        return True

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(WATCH_EVERY_S):
            if os.getppid() != parent:
                _stop_self()
                return

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
    return True
