"""Reading a request body on the server: a size limit and a deadline, both enforced while it streams.

A client that trickles its body (a byte now and then) would otherwise hold a worker's connection
and buffer for as long as it likes; it gets 408 instead, and the kiosk retries later (408 is
transient for it).
"""

from __future__ import annotations

import asyncio

from starlette.requests import ClientDisconnect, Request

from sync.protocol import ErrorCode, ProtocolError


async def read_limited(request: Request, limit: int, deadline_s: float) -> bytes:
    """The raw body, refused with 413 as soon as it passes `limit` (Content-Length first, then while
    streaming), and with 408 when it has not fully arrived `deadline_s` seconds after the headers."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, ErrorCode.TOO_LARGE, f"the body is {declared} bytes; the limit is {limit}", {"max_bytes": limit})
    chunks: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ProtocolError(413, ErrorCode.TOO_LARGE, f"the body exceeds the limit of {limit} bytes", {"max_bytes": limit})
            chunks.append(chunk)

    try:
        await asyncio.wait_for(collect(), deadline_s)
    except TimeoutError:
        raise ProtocolError(408, ErrorCode.REQUEST_TIMEOUT, f"the body did not arrive within {deadline_s:g} s ({size} bytes so far); "
                            "nothing was stored, send it again") from None
    except ClientDisconnect:  # connection reset mid-body: nothing to store, nobody to answer; the log says so
        raise ProtocolError(400, ErrorCode.MALFORMED, f"the client disconnected after {size} bytes of the body") from None
    return b"".join(chunks)
