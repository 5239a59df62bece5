"""A small fault-injecting HTTP proxy on 127.0.0.1, in front of the real kiosk-central.

Real sockets, one request per connection (answers carry `Connection: close`). Requests
whose path starts with `match` take the next scripted fault; everything else (and
requests once the script is used up) passes through untouched.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


@dataclass(frozen=True)
class Fault:
    """One scripted behaviour for one matching request."""

    kind: str  # pass | status | lose_response | reset_mid_body | slow | kill | max_records
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    limit: int = 0
    hook: Callable[[], None] | None = None


PASS = Fault("pass")


def status(code: int, **headers: str) -> Fault:
    return Fault("status", status=code, headers={k.replace("_", "-"): v for k, v in headers.items()})


@dataclass
class Seen:
    at: float
    method: str
    path: str
    fault: str
    records: int | None


class FaultProxy:
    def __init__(self, upstream_port: int, match: str = "/v1/batches", tls: ssl.SSLContext | None = None) -> None:
        self.upstream_port = upstream_port
        self.match = match
        self.tls = tls
        self.script: list[Fault] = []
        self.rule: Fault | None = None  # a standing rule (max_records) applied to every match
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()

    def push(self, *faults: Fault) -> None:
        with self._lock:
            self.script.extend(faults)

    def _next_fault(self, path: str) -> Fault:
        if not path.startswith(self.match):
            return PASS
        with self._lock:
            if self.script:
                return self.script.pop(0)
            return self.rule or PASS

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()  # the client refused our certificate
                    return
            self._exchange(conn)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _read_head(self, conn: socket.socket) -> tuple[bytes, bytes]:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                raise OSError("client closed")
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        return head, rest

    def _exchange(self, conn: socket.socket) -> None:
        head, body = self._read_head(conn)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
        fault = self._next_fault(path)
        if fault.kind == "reset_mid_body":
            # Take part of the body, then abort the connection with a TCP reset.
            self._log(method, path, fault, None)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        while len(body) < length:
            chunk = conn.recv(min(65536, length - len(body)))
            if not chunk:
                return
            body += chunk
        records = _count_records(body, headers)
        if fault.kind == "max_records":
            fault = status(413) if records is not None and records > fault.limit else PASS
        self._log(method, path, fault, records)
        if fault.kind == "status":
            msg = json.dumps({"error": {"code": "injected", "message": f"injected {fault.status}", "details": {}}}).encode()
            self._reply(conn, fault.status, {"Content-Type": "application/json", **fault.headers}, msg)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            fwd = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS and k.lower() != "host"}
            upstream.request(method, path, body=body, headers=fwd)
            if fault.kind == "kill" and fault.hook is not None:
                fault.hook()  # the server dies while it handles the batch
            resp = upstream.getresponse()
            payload = resp.read()
            resp_headers = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS}
        except (OSError, http.client.HTTPException):
            return  # upstream gone: the client sees the connection close without an answer
        finally:
            upstream.close()
        if fault.kind == "lose_response":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return  # the server committed; the answer never reaches the kiosk
        if fault.kind == "slow":
            time.sleep(fault.delay_s)
        self._reply(conn, resp.status, resp_headers, payload)

    def _reply(self, conn: socket.socket, code: int, headers: dict[str, str], body: bytes) -> None:
        reason = http.client.responses.get(code, "Status")
        out = [f"HTTP/1.1 {code} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
        out += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        conn.sendall("\r\n".join(out).encode("latin-1") + body)

    def _log(self, method: str, path: str, fault: Fault, records: int | None) -> None:
        with self._lock:
            self.seen.append(Seen(time.monotonic(), method, path, fault.kind if fault.kind != "status" else f"status {fault.status}", records))

    def batches(self) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(self.match)]


def _count_records(body: bytes, headers: dict[str, Any]) -> int | None:
    try:
        raw = gzip.decompress(body) if any(v == "gzip" for k, v in headers.items() if k.lower() == "content-encoding") else body
        return len(json.loads(raw)["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
