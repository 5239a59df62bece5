"""`kiosk demo` (what `make run` starts): the whole gate on one machine.

1. starts the reference central server (`kiosk-central serve`) on 127.0.0.1, its data in
   DATA_DIR/central;
2. enrols this kiosk with it once (`kiosk-central device add` + the provision step), puts its
   gate into a demo community and adds a demo console account (printed with the console's URL);
3. at first run, has the server issue sample health codes (cn-signed green / yellow / red
   and an online cn-token) and writes a demo video of them into DATA_DIR/demo;
4. opens the kiosk: the camera at device 0 if there is one, else the demo video in a loop.

The server stops when the kiosk window closes. The admin PIN is set to a demo PIN only if
none is set yet (printed; change it with `kiosk admin set-pin`).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.commands import config_from, open_kiosk_store

DEMO_PIN = "2580"  # = kiosk.service.admin_pin.DEMO_PIN (a test keeps them equal); not imported: the CLI starts fast
SAMPLES = (  # (kind, name, ID number, colour, caption on the video)
    ("cn-signed", "张三", "11010519491231002X", "green", "cn-signed green"),
    ("cn-token", "李四", "110101199003074514", "green", "cn-token (online check)"),
    ("cn-signed", "王五", "440305199812125636", "yellow", "cn-signed yellow"),
    ("cn-signed", "赵六", "310104198803031231", "red", "cn-signed red"),
)


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="start a local central server, enrol this kiosk and open it with sample codes")
    p.add_argument("--port", type=int, default=8080, help="port of the local central server (a free one if taken)")
    p.set_defaults(handler=run)


def central_cmd() -> list[str]:
    return [sys.executable, "-m", "sync.server.cli"]


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port on 127.0.0.1")


def central(central_dir: Path, *args: str) -> Any:
    out = subprocess.run([*central_cmd(), *args, "--data-dir", str(central_dir), "--json"],
                         capture_output=True, text=True, timeout=60, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"kiosk-central {' '.join(args)} failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


def start_server(central_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    import requests

    central_dir.mkdir(parents=True, exist_ok=True)
    log = open(central_dir / "server.log", "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen([*central_cmd(), "serve", "--data-dir", str(central_dir), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the central server stopped at start; see {central_dir / 'server.log'}")
        try:
            if requests.get(url + "/v1/time", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"the central server did not answer within 30 s; see {central_dir / 'server.log'}")


def enrol(cfg: Any, central_dir: Path, url: str) -> bool:
    """Provision this kiosk once; True if it was done now."""
    from sync import credentials

    try:
        credentials.load(cfg.data_dir)
        return False
    except credentials.CredentialsError:
        pass
    from sync.provision import provision

    code = central(central_dir, "device", "add", "--label", cfg["kiosk.gate_name"])["enroll_code"]
    store = open_kiosk_store(cfg)
    try:
        provision(store, cfg.data_dir, url, code, label=cfg["kiosk.gate_name"], timeout_s=cfg["sync.timeout_s"],
                  secrets_dir=cfg.secrets_dir)
    finally:
        store.close()
    return True


DEMO_CONSOLE_USER, DEMO_CONSOLE_PASSWORD = "demo", "demo-console-2580"


def console_account(cfg: Any, central_dir: Path) -> bool:
    """A demo community holding this kiosk's gate, and a demo admin account for the console (once)."""
    from sync import credentials

    def run_central(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*central_cmd(), *args, "--data-dir", str(central_dir)], input=stdin, capture_output=True,
                              text=True, timeout=60, check=False)

    users = run_central("user", "list", "--json")
    if users.returncode == 0 and any(u["name"] == DEMO_CONSOLE_USER for u in json.loads(users.stdout)):
        return False
    device_id = credentials.load(cfg.data_dir).device_id
    for args, stdin in ((("community", "add", "demo", "--name", "演示社区"), ""), (("community", "add-gate", "demo", device_id), ""),
                        (("user", "add", DEMO_CONSOLE_USER, "--role", "admin"), DEMO_CONSOLE_PASSWORD + "\n")):
        done = run_central(*args, stdin=stdin)
        if done.returncode != 0:
            raise RuntimeError(f"kiosk-central {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return True


def first_sync(cfg: Any) -> None:
    """One sync round before the window opens: the kiosk has the server's trust list and
    roster from the first code on."""
    from sync.factory import make_worker

    store = open_kiosk_store(cfg)
    try:
        make_worker(cfg, store).run_round()
    finally:
        store.close()


def sample_video(cfg: Any, central_dir: Path) -> Path:
    """The demo video, made once from codes the local server issues."""
    video = cfg.data_dir / "demo" / "sample-codes.avi"
    if video.exists():
        return video
    from kiosk.ui.demo_video import write_video

    payloads, captions = [], []
    for kind, name, id_number, colour, caption in SAMPLES:
        issued = central(central_dir, "issue-code", "--kind", kind, "--name", name, "--id-number", id_number, "--colour", colour)
        payloads.append(issued["text"])
        captions.append(caption)
    tmp = video.with_suffix(".tmp.avi")
    write_video(tmp, payloads, lead_s=4.0, show_s=4.0, gap_s=4.0, captions=captions)
    os.replace(tmp, video)
    return video


def demo_pin(cfg: Any) -> bool:
    """True when the admin PIN is the demo's fixed one (set now if no PIN was set)."""
    from kiosk.service.admin_pin import AdminPin

    store = open_kiosk_store(cfg)
    try:
        pin = AdminPin.for_config(store, cfg)
        if pin.is_set:
            return pin.is_demo()
        pin.set_pin(DEMO_PIN)
        return True
    finally:
        store.close()


def prepare(cfg: Any, port: int) -> tuple[subprocess.Popen[bytes], Any]:
    """Server up, kiosk enrolled, sample video made; returns the server and the kiosk's settings."""
    central_dir = cfg.data_dir / "central"
    proc, url = start_server(central_dir, free_port(port))
    try:
        if enrol(cfg, central_dir, url):
            print(f"kiosk enrolled with the local central server at {url}")
        console_account(cfg, central_dir)
        video = sample_video(cfg, central_dir)
        first_sync(cfg.replace(sync__server_url=url))
        if demo_pin(cfg):
            print(f"demo admin PIN: {DEMO_PIN} (the demo's fixed, published PIN: anyone may know it; change it with "
                  "`kiosk admin set-pin` — `kiosk run` with kiosk.production = true refuses to start while it is set)")
    except BaseException:
        proc.terminate()
        raise
    # no thermometer wired: the demo measures with the simulated one, so a pass runs hands-free
    thermometer = "fake" if cfg["thermometer.kind"] == "keypad" else cfg["thermometer.kind"]
    return proc, cfg.replace(sync__server_url=url, ui__demo_video=str(video), thermometer__kind=thermometer)


def run(args: argparse.Namespace) -> int:
    cfg = config_from(args)
    proc, kiosk_cfg = prepare(cfg, args.port)
    try:
        camera = "the camera at /dev/video0" if Path("/dev/video0").exists() else f"the demo video {kiosk_cfg['ui.demo_video']}"
        print(f"central server: {kiosk_cfg['sync.server_url']}  (log: {cfg.data_dir / 'central' / 'server.log'})")
        print(f"community console: {kiosk_cfg['sync.server_url']}/console/  account {DEMO_CONSOLE_USER} / password "
              f"{DEMO_CONSOLE_PASSWORD}  (public duty page: {kiosk_cfg['sync.server_url']}/duty)")
        print(f"opening the kiosk with {camera}")
        from kiosk.store.db import open_store

        store = open_store(kiosk_cfg.db_path, busy_timeout_ms=kiosk_cfg["store.busy_timeout_ms"])
        from kiosk.ui.app import run_app

        return run_app(kiosk_cfg, store)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
