"""The uploader: outbox batches to POST /v1/batches, one at a time, in sequence order.

A batch is encoded once (gzip JSON, see sync.protocol) and, when it must be retried,
resent byte for byte under the same idempotency key; only the records the server
acknowledges (`acked_through_seq`) are marked sent. Every attempt goes into the sync log.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.store.db import Store
from pydantic import ValidationError

from sync import log as synclog
from sync import revoked
from sync.common.backoff import Backoff, parse_retry_after
from sync.link import Reply, ServerLink
from sync.outbox import Batch, Outbox
from sync.protocol import GZIP, H_IDEMPOTENCY, JSON_TYPE, PATH_BATCHES, BatchAck, encode_batch
from sync.protocol.classify import Verdict, classify
from sync.protocol.clock import utc_iso, utc_now


def refused_records(reply: Reply, batch: Batch) -> list[int] | None:
    """Seqs of the batch the server's 4xx names (details.seq, or problems on records.<i>.*)."""
    details = reply.error_detail.get("details")
    if not isinstance(details, dict):
        return None
    named: set[int] = set()
    if isinstance(details.get("seq"), int):
        named.add(details["seq"])
    for problem in details.get("problems") or []:
        parts = str(problem.get("field", "") if isinstance(problem, dict) else "").split(".")
        if len(parts) >= 2 and parts[0] == "records" and parts[1].isdigit() and int(parts[1]) < len(batch.records):
            named.add(batch.records[int(parts[1])].seq)
    in_batch = sorted(named & set(batch.seqs))
    return in_batch or None


class Step(enum.StrEnum):
    SENT = "sent"  # a batch was acknowledged (fully or in part)
    IDLE = "idle"  # nothing is due
    WAIT = "wait"  # a retry is due later (see Uploader.wait_s)
    RETRIED = "retried"  # the attempt failed and will be retried
    SPLIT = "split"
    PARKED = "parked"
    HELD = "held"  # the server refuses this device's credentials
    REVOKED = "revoked"  # the server revoked this device for good: nothing more is sent
    LANE_DOWN = "lane-down"  # the alert lane could not reach the server: the claimed batch waits


@dataclass(frozen=True)
class UploadLimits:
    max_records: int
    max_bytes: int  # record JSON before gzip
    max_body_bytes: int  # the request body as sent (server limit, gzip)


@dataclass
class _Inflight:
    batch: Batch
    body: bytes
    due: float  # monotonic time when it may be sent again


class Uploader:
    def __init__(
        self,
        store: Store,
        link: ServerLink,
        limits: UploadLimits,
        backoff: Backoff,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        doctor: Callable[[], dict[str, Any] | None] = lambda: None,
    ) -> None:
        self.store = store
        self.doctor = doctor  # the last `kiosk doctor` result, sent along for the console
        self.link = link
        self.limits = limits
        self.backoff = backoff
        self.outbox = Outbox(store)
        self.monotonic = monotonic
        self.failures = 0  # consecutive failed attempts, drives the backoff
        self._queue: deque[Batch] = deque()  # halves of a split batch, sent first
        self._inflight: _Inflight | None = None
        self._max_records = limits.max_records  # lowered after a 413, grown back by _grow
        self.last_ack: BatchAck | None = None

    def start(self) -> int:
        """Release claims a dead process left behind. Call once before the first step."""
        return self.outbox.release_stale()

    def release(self) -> int:
        """On exit: the in-flight retry and queued halves go back to pending, their due time kept,
        so the status shows when they go next instead of claims nobody holds."""
        self._inflight = None
        self._queue.clear()
        return self.outbox.release_stale()

    def wait_s(self) -> float:
        """Seconds until the next attempt may go (0 when one is due or nothing waits)."""
        if self._inflight is not None:
            return max(self._inflight.due - self.monotonic(), 0.0)
        due = self.outbox.first_due()
        if due is None:
            return 0.0
        return max((datetime.fromisoformat(due) - utc_now()).total_seconds(), 0.0)

    def _next(self) -> tuple[Batch, bytes] | Step:
        if self._inflight is not None:
            if self._inflight.due > self.monotonic():
                return Step.WAIT
            inflight, self._inflight = self._inflight, None
            return inflight.batch, inflight.body
        batch = self._queue.popleft() if self._queue else None
        if batch is None:
            batch = self.outbox.claim(self._max_records, self.limits.max_bytes)
        if batch is None:
            return Step.WAIT if self.outbox.first_due() else Step.IDLE
        last_seq = self.store.db.execute("select last_seq from device_state").fetchone()[0]
        body = encode_batch(
            self.link.creds.device_id, batch.batch_id, [r.wire() for r in batch.records], device_last_seq=last_seq,
            doctor=self.doctor(),
        )
        return batch, body

    def step(self, before_post: Callable[[], bool] | None = None) -> Step:
        """At most one batch attempt. `before_post` runs after the batch is claimed and before it
        goes, so an alert committed while the batch was being claimed still reaches the server by
        its lane first; when it returns False the batch is kept, unsent, for the next step."""
        if revoked.revoked_at(self.store) is not None:
            return Step.REVOKED
        nxt = self._next()
        if isinstance(nxt, Step):
            return nxt
        batch, body = nxt
        if before_post is not None and not before_post():
            self._inflight = _Inflight(batch, body, self.monotonic())  # same bytes, same idempotency key
            return Step.LANE_DOWN
        if len(body) > self.limits.max_body_bytes and len(batch.records) > 1:
            self._split(batch)  # would be refused with 413 anyway: split without asking
            return Step.SPLIT
        started = utc_iso()
        reply = self.link.request(
            "POST",
            PATH_BATCHES,
            body,
            {"Content-Type": JSON_TYPE, "Content-Encoding": GZIP, H_IDEMPOTENCY: batch.batch_id},
        )
        verdict = classify(reply.status, reply.error_code)
        error: str | None = None
        ack = None
        if verdict is Verdict.ACK:
            ack = self._parse_ack(reply, batch)
            if ack is None:
                verdict, error = Verdict.RETRY, f"HTTP {reply.status} with an unreadable acknowledgement"
        else:
            error = reply.describe()
            if verdict is Verdict.HOLD:
                error += "; the server does not accept this kiosk's credentials: run `kiosk provision` again"
            elif verdict is Verdict.REVOKED:
                error = f"{revoked.MESSAGE}: {revoked.ADVICE} ({error})"
        step = self._apply(verdict, batch, body, reply, error, ack)
        synclog.record(
            self.store,
            synclog.Attempt(
                at=started, direction="upload", batch_id=batch.batch_id, records=len(batch.records),
                bytes=len(body), duration_ms=reply.duration_ms, http_status=reply.status, error=error,
            ),
            skew_s=self.link.skew_s if self.link.skew_measured else None,
        )
        return step

    def _parse_ack(self, reply: Reply, batch: Batch) -> BatchAck | None:
        try:
            ack = BatchAck.model_validate_json(reply.content)
        except ValidationError:
            return None
        if ack.batch_id != batch.batch_id or ack.device_id != self.link.creds.device_id:
            return None
        self.last_ack = ack
        return ack

    def _apply(
        self, verdict: Verdict, batch: Batch, body: bytes, reply: Reply, error: str | None, ack: BatchAck | None
    ) -> Step:
        if verdict is Verdict.ACK and ack is not None:
            through = ack.acked_through_seq
            held = [(r.first, r.last) for r in ack.held_ranges]
            complete = all(s <= through or any(a <= s <= b for a, b in held) for s in batch.seqs)
            delay = 0.0 if complete else self.backoff.delay(self.failures + 1)
            self.outbox.ack(batch, through, retry_delay_s=delay, held=held, held_complete=ack.held_complete)
            self.failures = 0 if complete else self.failures + 1
            self._grow()
            return Step.SENT
        if verdict is Verdict.SPLIT:
            if len(batch.records) == 1:
                self.outbox.park(batch, f"{error} (a single record is too large for the server)")
                return Step.PARKED
            self._split(batch)
            return Step.SPLIT
        if verdict is Verdict.PARK:
            # When the server names the records it refuses, only those are parked and the
            # rest of the batch goes again at once; otherwise the whole batch is parked.
            self.outbox.park(batch, error or "refused", only=refused_records(reply, batch))
            return Step.PARKED
        if verdict is Verdict.REVOKED:  # the records stay pending, for good: never parked, never dropped
            self.outbox.retry(batch, error or revoked.MESSAGE, 0.0)
            revoked.mark(self.store)
            return Step.REVOKED
        self.failures += 1
        delay = self.backoff.delay(self.failures, parse_retry_after(reply.headers.get("Retry-After")))
        if verdict is Verdict.HOLD:
            self.outbox.retry(batch, error or "held", delay)
            return Step.HELD
        # Keep the claim and the exact bytes: the retry reuses the same idempotency key.
        self.outbox.retry(batch, error or "retry", delay, keep_claim=True)
        self._inflight = _Inflight(batch, body, self.monotonic() + delay)
        return Step.RETRIED

    def _grow(self) -> None:
        """After an accepted batch, double the batch size a 413 lowered, back up to the setting."""
        self._max_records = min(self.limits.max_records, self._max_records * 2)

    def _split(self, batch: Batch) -> None:
        left, right = self.outbox.split(batch)
        self._queue.extendleft([right, left])
        self._max_records = max(1, min(self._max_records, len(left.records)))

    def drain(self, max_wait_s: float = 0.0, should_stop: Callable[[], bool] = lambda: False,
              before_post: Callable[[], bool] | None = None) -> int:
        """Upload until nothing is due. Waits out retries while the total wait stays under
        max_wait_s. `before_post` runs between claiming a batch and posting it (the alert lane
        goes first) and stops the drain by returning False. Returns the number of records still
        not on the server."""
        waited = 0.0
        while not should_stop():
            step = self.step(before_post=before_post)
            if step in (Step.IDLE, Step.REVOKED, Step.LANE_DOWN):
                break
            if step in (Step.WAIT, Step.RETRIED, Step.HELD):
                pause = self.wait_s()
                if waited + pause > max_wait_s:
                    break
                time.sleep(pause)
                waited += pause
        stats = self.outbox.stats()
        return stats.pending + stats.claimed
