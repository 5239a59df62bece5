"""A small local control channel: admin commands handed to the process that holds the writer.

The kiosk process that owns the database (the app or `kiosk sync`) listens on a Unix socket
in the data folder (mode 0600, and the peer must be the same user or root). A command such
as `kiosk sync retry-failed`, finding the database locked, sends one JSON line and reads one
JSON line back; the running process makes the change through its own single writer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
MAX_LINE = 4096
Handler = Callable[[], dict[str, Any]]


class ControlError(RuntimeError):
    """The running process could not be reached or refused the command (message says why)."""


def socket_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / SOCKET_NAME


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data and len(data) <= MAX_LINE:
        chunk = conn.recv(MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


class ControlServer:
    """Answers commands by name with the handlers given; one connection at a time."""

    def __init__(self, path: str | Path, handlers: dict[str, Handler]) -> None:
        self.path = Path(path)
        self.handlers = handlers
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        """Bind (replacing a socket a dead process left: we hold the writer lock) and listen."""
        if len(os.fsencode(self.path)) >= 108:
            raise ControlError(f"control socket path too long for a Unix socket: {self.path}")
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket file is born 0600 (no window where others may connect)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(4)
        sock.settimeout(0.2)
        self._sock = sock
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="kiosk-control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(5)
                    conn.sendall(json.dumps(self._answer(conn), ensure_ascii=False).encode() + b"\n")
                except OSError as exc:
                    log.warning("control channel: %s", exc)

    def _answer(self, conn: socket.socket) -> dict[str, Any]:
        if _peer_uid(conn) not in (os.getuid(), 0):
            return {"ok": False, "error": "refused: the command must come from the kiosk's own user"}
        try:
            op = json.loads(_read_line(conn) or b"null").get("op")
        except (ValueError, AttributeError):
            return {"ok": False, "error": "bad request: one JSON object with an 'op' per line"}
        handler = self.handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            return {"ok": False, "error": f"unknown command {op!r}; known: {', '.join(sorted(self.handlers))}"}
        try:
            return {"ok": True, "pid": os.getpid(), **handler()}
        except Exception as exc:  # the listener must survive a failing command
            log.exception("control command %s failed", op)
            return {"ok": False, "error": f"{op} failed in the running process: {exc}"}


def send(data_dir: str | Path, op: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """Hand `op` to the running kiosk process; its answer (raises ControlError when none)."""
    path = socket_path(data_dir)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        sock.connect(str(path))
        sock.sendall(json.dumps({"op": op}).encode() + b"\n")
        line = _read_line(sock)
    except (FileNotFoundError, ConnectionRefusedError):
        raise ControlError(f"the running kiosk process does not accept commands (no listener at {path}; is its sync running?)") from None
    except OSError as exc:
        raise ControlError(f"the running kiosk process did not answer on {path}: {exc}") from None
    finally:
        sock.close()
    try:
        answer = json.loads(line)
    except ValueError:
        raise ControlError(f"unreadable answer from the running kiosk process: {line[:200]!r}") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise ControlError(str(answer.get("error") if isinstance(answer, dict) else answer))
    return answer
