"""The alerts' priority lane: alert records go to POST /v1/alerts one by one, ahead of the batches.

An alert record is written with a lane row in the same transaction as the pass that raised it
(kiosk/store/alert_lane.raise_alert). The worker sends the lane before anything else in a round and
between batches, so an alert reaches the server within moments of its commit when the server is
reachable, and first after a reconnect when it was not. The record stays in the outbox as well: the
batch that later carries it is the proof in the chain, and the server stores the alert once (same uuid).

Lane states (LaneState): pending -> sent, or failed (the server refused it: the batch still carries it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk.store import state
from kiosk.store.db import Store
from kiosk.store.lane_state import LaneState
from pydantic import ValidationError

from sync import log as synclog
from sync import revoked
from sync.link import ServerLink
from sync.protocol import JSON_TYPE, PATH_ALERTS, AlertAck
from sync.protocol.classify import Verdict, classify
from sync.protocol.clock import utc_iso, utc_now


@dataclass(frozen=True)
class LaneResult:
    sent: int
    refused: int
    reachable: bool  # False: the server did not answer (the batches need not try either)
    pending: int


class AlertLane:
    def __init__(self, store: Store, link: ServerLink) -> None:
        self.store = store
        self.link = link

    def pending(self) -> int:
        return int(self.store.db.execute("select count(*) from alert_lane where state = ?", [LaneState.PENDING]).fetchone()[0])

    def send(self) -> LaneResult:
        """Send every pending alert, oldest first; stop at the first that gets no usable answer."""
        sent = refused = 0
        reachable = True
        if revoked.revoked_at(self.store) is not None:
            return LaneResult(0, 0, False, self.pending())
        rows = self.store.db.execute(
            "select l.seq, j.uuid, j.created_at, j.body from alert_lane l join journal j on j.seq = l.seq"
            " where l.state = ? order by l.seq", [LaneState.PENDING]).fetchall()
        for seq, uuid, created_at, body in rows:
            payload = json.dumps({"uuid": uuid, "seq": seq, "created_at": created_at, "body": body},
                                 ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            started = utc_iso()
            reply = self.link.request("POST", PATH_ALERTS, payload, {"Content-Type": JSON_TYPE})
            verdict = classify(reply.status, reply.error_code)
            error = None
            if verdict is Verdict.ACK:
                try:
                    ack = AlertAck.model_validate_json(reply.content)
                    ok = ack.uuid == uuid
                except ValidationError:
                    ok = False
                if not ok:
                    verdict, error = Verdict.RETRY, f"HTTP {reply.status} with an unreadable acknowledgement"
            else:
                error = reply.describe()
            now = utc_iso()
            with self.store.writing() as w:
                if verdict is Verdict.ACK:
                    w.db.execute("update alert_lane set state = ?, sent_at = ?, attempts = attempts + 1, last_error = null"
                                 " where seq = ?", [LaneState.SENT, now, seq])
                elif verdict in (Verdict.PARK, Verdict.SPLIT):  # refused for good: its batch still carries it
                    w.db.execute("update alert_lane set state = ?, attempts = attempts + 1, last_error = ? where seq = ?",
                                 [LaneState.FAILED, (error or "refused")[:500], seq])
                else:
                    w.db.execute("update alert_lane set attempts = attempts + 1, last_error = ? where seq = ?",
                                 [(error or "no answer")[:500], seq])
            synclog.record(self.store, synclog.Attempt(at=started, direction="upload", batch_id=f"alert {uuid}", records=1,
                                                       bytes=len(payload), duration_ms=reply.duration_ms,
                                                       http_status=reply.status, error=error),
                           skew_s=self.link.skew_s if self.link.skew_measured else None)
            if verdict is Verdict.ACK:
                sent += 1
            elif verdict in (Verdict.PARK, Verdict.SPLIT):
                refused += 1
            else:
                if verdict is Verdict.REVOKED:
                    revoked.mark(self.store)
                reachable = reply.status is not None and verdict is not Verdict.REVOKED
                break  # keep the order: the next alert waits for this one
        return LaneResult(sent, refused, reachable, self.pending())


def skew_alert(store: Store, link: ServerLink, threshold_s: float) -> str | None:
    """A clock-skew alert (once a UTC day) when the measured skew to the server passes the threshold.
    Records carry the kiosk's own time: a clock far off makes every time in them doubtful."""
    from kiosk.store.alert_lane import raise_alert

    if not link.skew_measured or abs(link.skew_s) < threshold_s:
        return None
    today = utc_now().date().isoformat()
    with store.writing() as w:
        if state.value(w.db, state.SKEW_ALERT_DAY) == today:
            return None
        message = f"the kiosk's clock is {link.skew_s:+.0f} s off the server's (threshold {threshold_s:.0f} s): set the time"
        rec = raise_alert(w, "clock-skew", message, skew_s=round(link.skew_s, 3))
        state.put(w.db, state.SKEW_ALERT_DAY, today)
    return rec.uuid
