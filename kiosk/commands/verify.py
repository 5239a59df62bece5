"""`kiosk verify [--trust PATH]... [--at TIME] [--json] [--] PAYLOAD`

Other tools call this: exit 0 exactly when the code is valid, 1 for every other status,
2 for a usage error. `--json` prints one JSON object on the last line of stdout.
No kivy, no cv2, and only what verification needs is imported (a test checks both).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="verify one health code (exit 0 = valid, 1 = not valid, 2 = usage error)",
        description="Verify one health code offline (EU DCC, cn-signed) or, for a platform token, online "
        "when a code checker is configured. PAYLOAD '-' reads the code from standard input.",
    )
    p.add_argument(
        "--trust",
        action="append",
        metavar="PATH",
        default=[],
        help="X.509 certificate (PEM/DER), folder of them, or trust-list file from the central server; "
        "repeatable; without it the kiosk's synced trust store is used",
    )
    p.add_argument(
        "--at", metavar="TIME", type=_parse_time, help="validation time, ISO 8601 (2021-06-01T10:00:00Z); default now"
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object on the last line")
    p.add_argument("payload", metavar="PAYLOAD", help="the scanned text; '-' = read standard input")
    p.set_defaults(handler=run)


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (example: 2021-06-01T10:00:00Z)") from None
    return value


def _usage_error(message: str) -> int:
    print(f"kiosk verify: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    import json
    import zoneinfo

    from kiosk.commands import config_from
    from kiosk.domain.codes import TrustError, TrustStore, VerifyContext, verify

    cfg = config_from(args)
    payload = args.payload
    if payload == "-":
        raw = sys.stdin.buffer.read(64 * 1024)  # the verifier rejects > 4 KB itself, with a reason
        try:
            payload = raw.decode("utf-8")
        except UnicodeDecodeError:
            payload = raw  # verify() reports it as not UTF-8 text
    at = args.at
    if at is not None and at.tzinfo is None:  # a time without offset is the kiosk's local time
        at = at.replace(tzinfo=zoneinfo.ZoneInfo(cfg["kiosk.timezone"]))

    from kiosk.codes_runtime import kiosk_trust, token_patterns

    patterns = token_patterns(cfg)
    try:
        if args.trust:
            from kiosk.domain.codes.trust_files import load_trust_path

            trust = TrustStore()
            for path in args.trust:
                trust.merge(load_trust_path(path))
        else:
            loaded = kiosk_trust(cfg)
            trust = loaded.store
            if loaded.error:
                print(f"kiosk verify: warning: using older trust: {loaded.error}", file=sys.stderr)
    except TrustError as exc:
        return _usage_error(f"--trust: {exc}" if args.trust else f"trust store: {exc}")

    checker = None
    from kiosk.domain.codes.cn_token import match_region

    probe = VerifyContext(trust=trust, cn_token_patterns=patterns)
    if isinstance(payload, str) and match_region(payload.strip(), probe) is not None:
        checker = _platform_checker(cfg)  # only a platform token needs the network
    result = verify(
        payload,
        VerifyContext(
            trust=trust, at=at, checker=checker, cn_token_patterns=patterns, leeway_s=cfg["codes.clock_leeway_s"]
        ),
    )

    if args.json:
        doc = {
            "format": result.format.value,
            "status": result.status.value,
            "color": result.colour.value,
            "color_source": result.colour_source.value,
            "reason": result.reason,
            "holder_name_masked": result.holder_name_masked,
            "id_masked": result.id_masked,
            "kid": result.kid,
            "cert_id_hash": result.cert_id_hash,
            "details": result.details,
        }
        print(json.dumps(doc, ensure_ascii=False, sort_keys=True))
    else:
        print(f"{result.status.value.upper()}  ({result.format.value})")
        print(f"  reason: {result.reason}")
        if result.colour.value != "none":
            print(f"  colour: {result.colour.value} ({result.colour_source.value})")
        for label, value in (("holder", result.holder_name_masked), ("id", result.id_masked), ("kid", result.kid)):
            if value:
                print(f"  {label}: {value}")
    return 0 if result.is_valid else 1


def _platform_checker(cfg: Any) -> Any:
    """The sync area's code-check client (sync/code_check.py) with this kiosk's credentials.

    Not provisioned, or a bad setting: the token is reported `unverified`, as offline,
    with the reason on stderr.
    """
    try:
        from sync import credentials
        from sync.code_check import HttpCodeChecker

        creds = credentials.load(cfg.data_dir)
        return HttpCodeChecker(
            creds,
            timeout_s=cfg["codes.check_timeout_s"],
            base_url=cfg["sync.server_url"] or None,
            ca_bundle=cfg["sync.ca_bundle"],
        )
    except Exception as exc:  # not provisioned, damaged credentials, bad CA file...
        print(f"kiosk verify: platform check unavailable: {exc}", file=sys.stderr)
        return None
