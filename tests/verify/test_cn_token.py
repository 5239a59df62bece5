"""cn-token: detection by region pattern; the colour from the platform through a
CodeChecker; offline, slow or failing platform -> `unverified` (the guard attests).

Two checkers: an in-process fake, and a minimal HTTP client against a real HTTP server on
127.0.0.1 started here (the GB/T 38963-like request: text, device id, request id,
timestamp, HMAC). The product's client lives in sync/code_check.py (sync area).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from kiosk.domain.codes import TrustStore, VerifyContext, verify
from kiosk.domain.codes.cn_token import compile_patterns
from kiosk.domain.models import CodeChecker, CodeFormat, CodeStatus, Colour, ColourSource, PlatformAnswer

PATTERNS = (r"110000:^https://bj\.example/hc/[A-Za-z0-9_-]{16,}$", r"^https?://[^/\s]+/hc/[A-Za-z0-9_-]{16,64}$")
TOKEN = "https://bj.example/hc/AbCdEfGhIjKlMnOpQrSt"
SECRET = b"device-secret-for-tests"


class FakeChecker:
    def __init__(self, answer: PlatformAnswer | None = None, error: Exception | None = None) -> None:
        self.answer, self.error, self.calls = answer, error, []  # type: ignore[var-annotated]

    def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
        self.calls.append(qr_text)
        if self.error:
            raise self.error
        return self.answer


def ctx(checker: CodeChecker | None) -> VerifyContext:
    return VerifyContext(trust=TrustStore(), checker=checker, cn_token_patterns=PATTERNS)


def test_detection_by_region_pattern_and_the_colour_from_the_platform() -> None:
    fake = FakeChecker(PlatformAnswer(Colour.YELLOW, "张*", "110***********1234", "2026-11-28T07:00:00Z"))
    r = verify(TOKEN + "\n", ctx(fake))
    assert (r.format, r.status, r.colour, r.colour_source) == (
        CodeFormat.CN_TOKEN,
        CodeStatus.VALID,
        Colour.YELLOW,
        ColourSource.ONLINE,
    )
    assert r.details == {"region": "110000", "updated_at": "2026-11-28T07:00:00Z"}
    assert fake.calls == [TOKEN]  # stripped of the scanner's newline


def test_unmasked_platform_answers_are_masked_before_showing() -> None:
    r = verify(TOKEN, ctx(FakeChecker(PlatformAnswer(Colour.GREEN, "张三丰", "110105199003071234"))))
    assert (r.holder_name_masked, r.id_masked) == ("张**", "110***********1234")


@pytest.mark.parametrize(
    "checker",
    [None, FakeChecker(None), FakeChecker(error=RuntimeError("bug"))],
    ids=["offline", "timed-out", "checker-raises"],
)
def test_no_answer_means_unverified_so_the_guard_attests(checker: CodeChecker | None) -> None:
    r = verify(TOKEN, ctx(checker))
    assert (r.format, r.status, r.colour) == (CodeFormat.CN_TOKEN, CodeStatus.UNVERIFIED, Colour.NONE)
    assert "phone" in r.reason


def test_a_token_the_platform_does_not_know_is_not_trusted() -> None:
    r = verify(TOKEN, ctx(FakeChecker(PlatformAnswer(Colour.NONE))))
    assert r.status is CodeStatus.UNTRUSTED


def test_text_matching_no_pattern_is_unsupported_and_the_checker_is_not_asked() -> None:
    fake = FakeChecker(PlatformAnswer(Colour.GREEN))
    for text in ("https://bj.example/hc/short", "hello", "https://evil.example/hc/AbCdEfGhIjKlMnOpQrSt/extra"):
        assert verify(text, ctx(fake)).status is CodeStatus.UNSUPPORTED
    assert fake.calls == []


@pytest.mark.parametrize("bad", ["110000:", "(unclosed", "110000:[z-a]"])
def test_bad_patterns_are_refused_with_the_entry(bad: str) -> None:
    with pytest.raises(ValueError, match="cn-token pattern"):
        compile_patterns((bad,))


# --- a real HTTP platform on 127.0.0.1 ---


def _sign(body: dict[str, Any]) -> str:
    text = "\n".join(str(body.get(k) or "") for k in ("qr_text", "id_number", "device_id", "request_id", "timestamp"))
    return hmac.new(SECRET, text.encode(), hashlib.sha256).hexdigest()


class Platform(BaseHTTPRequestHandler):
    registry = {TOKEN: ("red", "李*", "310***********0011")}
    delay_s = 0.0

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(self.delay_s)
        if not hmac.compare_digest(body.get("signature", ""), _sign(body)):
            return self._send(401, {"error": "bad signature"})
        found = self.registry.get(body.get("qr_text"))
        colour, name, idm = found or ("none", "", "")
        self._send(200, {"colour": colour, "name_masked": name, "id_masked": idm, "updated_at": "2026-11-28T06:00:00Z"})

    def _send(self, status: int, doc: dict[str, Any]) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class MiniClient:
    """The smallest CodeChecker over HTTP: None on timeout, network error or refusal."""

    def __init__(self, url: str, timeout_s: float, secret: bytes = SECRET) -> None:
        self.url, self.timeout_s, self.secret = url, timeout_s, secret

    def check(self, *, qr_text: str | None = None, id_number: str | None = None) -> PlatformAnswer | None:
        body = {
            "qr_text": qr_text,
            "id_number": id_number,
            "device_id": "kiosk-test",
            "request_id": str(uuid.uuid4()),
            "timestamp": datetime.now(UTC).isoformat(),
        }
        text = "\n".join(
            str(body.get(k) or "") for k in ("qr_text", "id_number", "device_id", "request_id", "timestamp")
        )
        body["signature"] = hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()
        try:
            resp = requests.post(self.url, json=body, timeout=self.timeout_s)
        except requests.RequestException:
            return None
        if resp.status_code != 200:
            return None
        doc = resp.json()
        return PlatformAnswer(Colour(doc["colour"]), doc["name_masked"], doc["id_masked"], doc["updated_at"])


@pytest.fixture
def platform() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/code-check"
    server.shutdown()
    server.server_close()
    Platform.delay_s = 0.0


def test_against_a_real_http_platform(platform: str) -> None:
    client: CodeChecker = MiniClient(platform, timeout_s=3.0)
    r = verify(TOKEN, ctx(client))
    assert (r.status, r.colour, r.colour_source, r.holder_name_masked) == (
        CodeStatus.VALID,
        Colour.RED,
        ColourSource.ONLINE,
        "李*",
    )
    other = "https://x.example/hc/ZZZZZZZZZZZZZZZZZZZZ"
    assert verify(other, ctx(client)).status is CodeStatus.UNTRUSTED


def test_a_slow_platform_times_out_to_unverified(platform: str) -> None:
    Platform.delay_s = 1.0
    start = time.monotonic()
    r = verify(TOKEN, ctx(MiniClient(platform, timeout_s=0.2)))
    assert r.status is CodeStatus.UNVERIFIED
    assert time.monotonic() - start < 0.9


def test_a_refused_request_and_a_stopped_platform_are_unverified(platform: str) -> None:
    assert verify(TOKEN, ctx(MiniClient(platform, 3.0, secret=b"wrong"))).status is CodeStatus.UNVERIFIED
    dead = platform.replace(platform.split(":")[2].split("/")[0], "9")  # port 9 (discard): nothing listens
    assert verify(TOKEN, ctx(MiniClient(dead, 0.5))).status is CodeStatus.UNVERIFIED
