"""A real X server of a test's own (Xvfb, no window manager) at a gate screen's size."""

from __future__ import annotations

import os
import select
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def xvfb(width: int, height: int, dpi: int | None = None) -> Iterator[str]:
    """Start Xvfb on a free display (it picks the number: -displayfd) and yield ":N"."""
    read_fd, write_fd = os.pipe()
    args = ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset"]
    if dpi:
        args += ["-dpi", str(dpi)]
    proc = subprocess.Popen(args, pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_fd)
    try:
        text = b""
        while not text.endswith(b"\n"):
            ready, _, _ = select.select([read_fd], [], [], 15)
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None and proc.stderr else ""
                raise RuntimeError(f"Xvfb did not start: {err[-500:]}")
            text += chunk
        yield f":{int(text.strip())}"
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
