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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.commands import config_from, open_kiosk_store
from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.store.db import Store
    from kiosk.ui.services import Services

# The start-up steps, in order, with the share of the whole each takes (measured on the
# demo machine: the server's start and the video dominate). The window and the terminal
# show the same steps: kiosk/ui/starting.py words them for the screen.
STEPS = (
    ("server", "starting the local central server", 0.30),
    ("enrol", "enrolling this kiosk", 0.10),
    ("console", "adding the demo console account", 0.10),
    ("video", "making the sample-code video", 0.35),
    ("sync", "first sync: trust list and roster", 0.10),
    ("pin", "checking the admin PIN", 0.05),
)
Progress = Callable[[str, float], None]  # (step key, share of that step done 0..1)


def _quiet(_step: str, _done: float) -> None:
    pass

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


def sample_video(cfg: Any, central_dir: Path, progress: Progress = _quiet) -> Path:
    """The demo video, made once from codes the local server issues."""
    video = cfg.data_dir / "demo" / "sample-codes.avi"
    if video.exists():
        return video
    from kiosk.ui.demo_video import write_video

    payloads, captions = [], []
    for i, (kind, name, id_number, colour, caption) in enumerate(SAMPLES):
        issued = central(central_dir, "issue-code", "--kind", kind, "--name", name, "--id-number", id_number, "--colour", colour)
        payloads.append(issued["text"])
        captions.append(caption)
        progress("video", 0.8 * (i + 1) / len(SAMPLES))  # each code costs a server command; the writing is quick
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


def prepare(cfg: Any, port: int, progress: Progress = _quiet) -> tuple[subprocess.Popen[bytes], Any]:
    """Server up, kiosk enrolled, sample video made; returns the server and the kiosk's settings.

    `progress(step, done)` hears of each step of STEPS as it starts (0.0) and ends (1.0)."""
    central_dir = cfg.data_dir / "central"
    progress("server", 0.0)
    proc, url = start_server(central_dir, free_port(port))
    progress("server", 1.0)
    try:
        progress("enrol", 0.0)
        if enrol(cfg, central_dir, url):
            log(f"kiosk enrolled with the local central server at {url}")
        progress("enrol", 1.0)
        progress("console", 0.0)
        console_account(cfg, central_dir)
        progress("console", 1.0)
        progress("video", 0.0)
        video = sample_video(cfg, central_dir, progress)
        progress("video", 1.0)
        progress("sync", 0.0)
        first_sync(cfg.replace(sync__server_url=url))
        progress("sync", 1.0)
        progress("pin", 0.0)
        if demo_pin(cfg):
            log(f"demo admin PIN: {DEMO_PIN} (the demo's fixed, published PIN: anyone may know it; change it with "
                "`kiosk admin set-pin` — `kiosk run` with kiosk.production = true refuses to start while it is set)")
        progress("pin", 1.0)
    except BaseException:
        proc.terminate()
        raise
    # no thermometer wired: the demo measures with the simulated one, so a pass runs hands-free
    thermometer = "fake" if cfg["thermometer.kind"] == "keypad" else cfg["thermometer.kind"]
    return proc, cfg.replace(sync__server_url=url, ui__demo_video=str(video), thermometer__kind=thermometer)


def log(text: str) -> None:
    """A line for the terminal (above the progress bar while it runs)."""
    from rich.console import Console

    Console(highlight=False, markup=False, emoji=False, soft_wrap=True).print(text)


def demo_app(cfg: Any, port: int, term: Any = None) -> tuple[Any, dict[str, Any]]:
    """The App `kiosk demo` runs: the start-up screen at once, the demo prepared on a thread
    (reported to `term` too), then the kiosk. The dict gets the server process once started."""
    from kiosk.ui.starting import StartingKioskApp

    held: dict[str, Any] = {}

    def work(on_step: Progress) -> Any:
        proc, kiosk_cfg = prepare(cfg, port, on_step)
        held["proc"] = proc
        camera = "the camera at /dev/video0" if Path("/dev/video0").exists() else f"the demo video {kiosk_cfg['ui.demo_video']}"
        log(f"central server: {kiosk_cfg['sync.server_url']}  (log: {cfg.data_dir / 'central' / 'server.log'})")
        log(f"community console: {kiosk_cfg['sync.server_url']}/console/  account {DEMO_CONSOLE_USER} / password "
            f"{DEMO_CONSOLE_PASSWORD}  (public duty page: {kiosk_cfg['sync.server_url']}/duty)")
        log(f"opening the kiosk with {camera}")
        return kiosk_cfg

    return StartingKioskApp(cfg, work, STEPS, open_kiosk, also=term), held


def open_kiosk(kiosk_cfg: Config) -> tuple[Store, Services]:
    """The prepared kiosk's store and services (the gate service, sync worker, devices), opened by
    the window once the start-up is done; imported only then, so the window shows sooner."""
    from kiosk.commands.compose import open_kiosk as open_it

    return open_it(kiosk_cfg)


def stop_server(held: dict[str, Any]) -> None:
    proc = held.get("proc")
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run(args: argparse.Namespace) -> int:
    """The window opens at once on the start-up screen (server, enrolment, video, with a
    progress bar; the terminal shows the same bar), then turns into the kiosk."""
    cfg = config_from(args)
    from kiosk.ui.app import prepare_kivy

    prepare_kivy(cfg)
    from kiosk.ui.starting import terminal_progress

    held: dict[str, Any] = {}
    try:
        with terminal_progress(STEPS) as term:
            app, held = demo_app(cfg, args.port, term)
            app.run()
        return 0 if app.failed is None else 1
    finally:
        stop_server(held)
