"""Verification benchmark (issue 3): in-process verifications per second and latency for
ES256 and PS256 EU DCCs and cn-signed codes; `kiosk verify` wall time per call.

Run: .venv/bin/python tests/benchmarks/bench_verify.py [--n 3000] [--calls 15]

Formats run interleaved in rounds (side by side on a noisy shared machine); medians, p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from kiosk.domain.codes import TrustStore, VerifyContext, verify  # noqa: E402
from kiosk.domain.codes.cn_signed import generate_issuer_key, issue_cn_signed  # noqa: E402
from kiosk.domain.codes.hcert_schema import warm_up  # noqa: E402
from tests.verify.factory import T0, make_dcc, make_signer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fmt(name: str, lat_ms: list[float]) -> str:
    total_s = sum(lat_ms) / 1000
    return (
        f"| {name} | {len(lat_ms) / total_s:,.0f} /s | {statistics.median(lat_ms):.3f} ms | "
        f"{pct(lat_ms, 95):.3f} ms | {max(lat_ms):.2f} ms |"
    )


def in_process(n: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    es, ps = make_signer("ES256"), make_signer("PS256")
    issuer = generate_issuer_key()
    trust = TrustStore()
    trust.merge(es.trust())
    trust.merge(ps.trust())
    trust.add_issuer(issuer.public_pem(), "bench", issuer.kid)
    ctx = VerifyContext(trust=trust, at=T0)
    cn = issue_cn_signed(
        code_id="B-1", colour="green", holder_name="张三", id_number="110105199003071234", issuer="bench",
        issued_at=T0 - timedelta(hours=1), expires_at=T0 + timedelta(days=1), private_key=issuer.private_key, kid=issuer.kid,
    )  # fmt: skip
    cases: dict[str, str] = {"eu-dcc ES256": make_dcc(es), "eu-dcc PS256": make_dcc(ps), "cn-signed ES256": cn}
    warm_up()
    for code in cases.values():
        assert verify(code, ctx).is_valid
    lat: dict[str, list[float]] = {k: [] for k in cases}
    cpu: dict[str, list[float]] = {k: [] for k in cases}  # this thread's CPU time: the code's own cost
    rounds = 10
    for _ in range(rounds):
        for name, code in cases.items():
            for _ in range(n // rounds):
                t, c = time.perf_counter(), time.thread_time()
                verify(code, ctx)
                cpu[name].append((time.thread_time() - c) * 1000)
                lat[name].append((time.perf_counter() - t) * 1000)
    return lat, cpu


def schema_validators(n: int) -> dict[str, list[float]]:
    """Why jsonschema-rs: the pure-Python validator against it, same schema and document."""
    import json

    import jsonschema
    import jsonschema_rs

    from kiosk.domain.codes.hcert_schema import SCHEMA_FILE
    from tests.verify.factory import vaccination

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    py = jsonschema.validators.validator_for(schema)(schema)
    rs = jsonschema_rs.validator_for(schema)
    doc = vaccination()
    lat: dict[str, list[float]] = {"jsonschema (Python)": [], "jsonschema-rs": []}
    for _ in range(10):
        for name, is_valid in (("jsonschema (Python)", py.is_valid), ("jsonschema-rs", rs.is_valid)):
            for _ in range(n // 10):
                t = time.perf_counter()
                assert is_valid(doc)
                lat[name].append((time.perf_counter() - t) * 1000)
    return lat


DIRECT = (
    "import argparse, sys; from kiosk.commands.verify import register; p = argparse.ArgumentParser(); "
    "register(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))"
)


def cli_calls(calls: int) -> dict[str, list[float]]:
    """Wall time of whole processes: the interpreter, imports, trust loading and verify."""
    es = make_signer("ES256")
    tmp = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    pem = tmp / "dsc.pem"
    pem.write_bytes(es.pem())
    code = make_dcc(es)
    env = dict(os.environ, KIOSK_STORE_DATA_DIR=str(tmp / "data"))
    env.pop("KIOSK_CONFIG", None)
    kiosk = str(REPO / ".venv" / "bin" / "kiosk")
    runs: dict[str, list[str]] = {
        "python -c pass (interpreter floor)": [sys.executable, "-c", "pass"],
        "kiosk verify --trust dsc.pem DCC (valid)": [
            kiosk,
            "verify",
            "--trust",
            str(pem),
            "--at",
            "2026-11-28T08:00:00Z",
            code,
        ],
        "kiosk verify --json garbage (unsupported)": [kiosk, "verify", "--json", "hello"],
        # The same handler without kiosk.cli.main, whose `import kiosk.store.errors` pulls in
        # sqlite_utils (and numpy) through kiosk/store/__init__.py: what verify itself costs.
        "verify handler alone, same DCC": [
            sys.executable,
            "-c",
            DIRECT,
            "verify",
            "--trust",
            str(pem),
            "--at",
            "2026-11-28T08:00:00Z",
            code,
        ],
    }
    lat: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(calls):
        for name, argv in runs.items():
            t = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=False)
            lat[name].append((time.perf_counter() - t) * 1000)
    return lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000, help="verifications per format")
    ap.add_argument("--calls", type=int, default=15, help="process runs per command")
    args = ap.parse_args()
    print(f"in-process, {args.n} verifications per format, 10 interleaved rounds")
    print("| code | verifications/s | median | p95 | max |\n| --- | --- | --- | --- | --- |")
    results, cpu = in_process(args.n)
    for name, lat in results.items():
        print(fmt(name, lat))
    print("\nsame runs, CPU time of the verifying thread (excludes time the scheduler gave to others)")
    print("| code | median | p95 |\n| --- | --- | --- |")
    for name, c in cpu.items():
        print(f"| {name} | {statistics.median(c):.3f} ms | {pct(c, 95):.3f} ms |")
    es_p95 = pct(results["eu-dcc ES256"], 95)
    print(
        f"p95 ratio PS256/ES256: {pct(results['eu-dcc PS256'], 95) / es_p95:.2f}; cn-signed/ES256 DCC: {pct(results['cn-signed ES256'], 95) / es_p95:.2f}"
    )
    print("\nhcert schema validation alone, interleaved")
    print("| validator | median | p95 |\n| --- | --- | --- |")
    sv = schema_validators(min(args.n, 2000))
    for name, lat in sv.items():
        print(f"| {name} | {statistics.median(lat) * 1000:.1f} µs | {pct(lat, 95) * 1000:.1f} µs |")
    ratio = statistics.median(sv["jsonschema (Python)"]) / statistics.median(sv["jsonschema-rs"])
    print(f"median ratio Python/Rust: {ratio:.0f}x")
    print(f"\n`kiosk verify` wall time, {args.calls} runs each, interleaved")
    print("| command | median | p95 | max |\n| --- | --- | --- | --- |")

    def row(lat: list[float]) -> str:
        return f"{statistics.median(lat):.0f} ms | {pct(lat, 95):.0f} ms | {max(lat):.0f} ms |"

    for name, lat in cli_calls(args.calls).items():
        print(f"| {name} | {row(lat)}")


if __name__ == "__main__":
    main()
