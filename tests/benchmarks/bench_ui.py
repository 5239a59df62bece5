"""Touch-screen benchmark: start to ready-to-scan, code to result screen, preview at 720p.

Run under an X display (the kiosk's window is real):

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tests/benchmarks/bench_ui.py [--runs N] [--codes N]

Each measurement runs the real KioskApp in a fresh process (Kivy allows one App per
process); the parent collects the figures and prints medians, p95 and ratios.

- start: from the moment the parent spawns `python` to the first frame after on_start,
  with the camera, decode worker and scanner started (the kiosk accepts a code), and the
  part of it spent inside the process (imports, settings, store, build).
- code -> result: from handing a decoded payload to the App (as the decode worker does,
  from another thread) to the frame after the result screen became current; verify,
  decide, commit (journal + outbox + projections, synchronous=FULL) and draw included.
  Offline formats: a cn-signed code (ES256) and an EU DCC (HC1:, from the shared
  conformance data; verified at the wall clock, so it is recorded as expired: the full
  pipeline still runs). ui.ask_temperature=false (a thermometer post supplies the reading).
- preview: a 1280x720 30 fps video through the real camera path (cv2.VideoCapture, capture
  thread, one-slot queue) into the preview widget; displayed fps and frame age at display
  (capture -> texture upload), with the upload done two ways side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f}, p95 {pct(values, 95):.1f}, min {min(values):.1f}, max {max(values):.1f} (n={len(values)})"


# ---------------------------------------------------------------- child processes ----
def child(mode: str, data_dir: Path, extra: dict[str, str]) -> None:
    t_enter = time.time()
    os.environ.update({"KIVY_NO_ARGS": "1", "KIVY_LOG_MODE": "PYTHON", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1"})
    from kiosk.config import load_config
    from kiosk.store.db import open_store
    from kiosk.ui.app import prepare_kivy

    env = {"KIOSK_STORE_DATA_DIR": str(data_dir), **extra}
    cfg = load_config(env=env)
    prepare_kivy(cfg)
    from kivy.clock import Clock

    from kiosk.commands.compose import build_services
    from kiosk.ui.kiosk_app import KioskApp

    store = open_store(cfg.db_path)
    out: dict[str, Any] = {"t_enter": t_enter}
    app = KioskApp(cfg, build_services(cfg, store, with_sync=False, with_devices=True))

    def when_ready(_dt: float) -> None:
        if app.ready_at is None:
            Clock.schedule_once(when_ready, 0)
            return
        out["t_ready"] = time.time()
        if mode == "start":
            app.stop()
        elif mode == "codes":
            run_codes(app, out, json.loads(Path(extra["BENCH_CODES"]).read_text()))
        elif mode == "preview":
            run_preview(app, out)

    Clock.schedule_once(when_ready, 0)
    if os.environ.get("BENCH_PROFILE"):  # where the Kivy thread's time goes: a cProfile dump
        import cProfile

        cProfile.runctx("app.run()", globals(), {"app": app}, os.environ["BENCH_PROFILE"])
    else:
        app.run()
    store.close()
    print("BENCH " + json.dumps(out), flush=True)


def run_codes(app: Any, out: dict[str, Any], payloads: dict[str, list[str]]) -> None:
    import threading

    from kivy.clock import Clock

    # formats interleaved, so machine noise falls on both alike
    jobs = [(fmt, ps[i]) for i in range(max(map(len, payloads.values()))) for fmt, ps in payloads.items() if i < len(ps)]
    out["ms"] = {fmt: [] for fmt in payloads}
    out["service_ms"] = {fmt: [] for fmt in payloads}
    gate = app.services.gate  # the adapter the flow calls: timed in place
    inner_check, inner_admit = gate.check_code, gate.admit
    svc: dict[str, float] = {}

    def timed_check(*a: Any, **k: Any) -> Any:  # the service's share: verify, decide, commit
        svc["t"] = time.perf_counter()
        return inner_check(*a, **k)

    def timed_admit(*a: Any, **k: Any) -> Any:
        r = inner_admit(*a, **k)
        svc["ms"] = (time.perf_counter() - svc["t"]) * 1000
        return r

    gate.check_code, gate.admit = timed_check, timed_admit
    state: dict[str, Any] = {"i": 0}
    out["switch_ms"] = {fmt: [] for fmt in payloads}  # code handed over -> result screen current
    out["flip_ms"] = {fmt: [] for fmt in payloads}  # code handed over -> first buffer swap showing it
    from kivy.core.window import Window

    def on_current(_sm: Any, name: str) -> None:
        if name == "result" and "t0" in state and "t_switch" not in state:
            state["t_switch"] = time.perf_counter()

    result_screen = app.nav.ensure("result")

    def settled(widget: Any) -> bool:
        """No label texture or layout on the result screen still waits for a later frame."""
        for w in widget.walk():
            for name in ("_trigger_texture", "_trigger_layout"):
                ev = getattr(w, name, None)
                if ev is not None and getattr(ev, "is_triggered", False):
                    return False
        return True

    def on_flip(*_a: Any) -> None:
        if "t_switch" in state and "t_flip" not in state:
            if settled(result_screen):
                state["t_flip"] = time.perf_counter()
            else:
                out["unsettled_flips"] = out.get("unsettled_flips", 0) + 1

    app.root.bind(current=on_current)
    Window.bind(on_flip=on_flip)

    def next_code(_dt: float = 0) -> None:
        if state["i"] >= len(jobs):
            app.stop()
            return
        fmt, payload = jobs[state["i"]]
        if state["i"] == 0 and "first_ms" not in out:
            state["first"] = True
        state["fmt"] = fmt
        # handed over from another thread, exactly as the decode worker does
        threading.Thread(target=lambda: (state.__setitem__("t0", time.perf_counter()), app.code_from_device(payload, "camera"))).start()
        Clock.schedule_once(watch, 0)

    def watch(_dt: float) -> None:
        if app.root.current != "result":
            Clock.schedule_once(watch, 0)
            return
        Clock.schedule_once(drawn, 0)  # the next frame: the result screen has been drawn

    def drawn(_dt: float) -> None:
        ms = (time.perf_counter() - state["t0"]) * 1000
        if state.pop("first", False):  # right after start, while the other screens are still being built
            out["first_ms"] = ms
            jobs.append(jobs[0])  # measured again in steady state
        else:
            out["ms"][state["fmt"]].append(ms)
            out["service_ms"][state["fmt"]].append(svc["ms"])
            out["switch_ms"][state["fmt"]].append((state["t_switch"] - state["t0"]) * 1000)
            out["flip_ms"][state["fmt"]].append((state["t_flip"] - state["t0"]) * 1000)
        for k in ("t0", "t_switch", "t_flip"):
            state.pop(k, None)
        state["i"] += 1
        app.nav.home()
        # after the first code, wait until every screen is built (steady state)
        Clock.schedule_once(next_code, 2.0 if "first_ms" in out and state["i"] == 1 else 0.05)

    next_code()


def legacy_preview(preview: Any) -> Any:
    """The preview as it was before issue 15 (for the side-by-side): polled at 1/fps by the
    clock, every new frame scaled to the widget's full size and uploaded."""
    import numpy as np
    from kivy.graphics.texture import Texture

    from kiosk.ui.widgets.preview import fit

    def show(frame: Any) -> None:
        frame = fit(frame, int(preview.width), int(preview.height))
        h, w = frame.shape[:2]
        tex = preview.texture
        if tex is None or tex.size != (w, h):
            tex = Texture.create(size=(w, h), colorfmt="bgr")
            tex.flip_vertical()
            preview.texture = tex
        tex.blit_buffer(memoryview(np.ascontiguousarray(frame).data).cast("B"), colorfmt="bgr", bufferfmt="ubyte")
        preview.canvas.ask_update()
        preview.frames_shown += 1

    return show


def run_preview(app: Any, out: dict[str, Any]) -> None:
    """Before and after side by side in one window: the two previews take turns, 1 s each.

    Counted per turn: window frames drawn with a new camera picture on them (a frame
    uploaded since the previous flip), and frame age when shown (capture -> upload)."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    preview = app.root.get_screen("idle").ids.preview
    slot = app.services.devices.devices.camera.slot
    legacy_show = legacy_preview(preview)
    new_show = preview.show_frame
    state: dict[str, Any] = {"mode": "after", "fresh": False, "event": None, "t": 0.0, "count": True}
    drawn: dict[str, int] = {"before": 0, "after": 0}
    flips: dict[str, int] = {"before": 0, "after": 0}
    seconds: dict[str, float] = {"before": 0.0, "after": 0.0}
    ages: dict[str, list[float]] = {"before": [], "after": []}
    cost: dict[str, list[float]] = {"before": [], "after": []}  # CPU ms per upload (scale + upload)

    def timed(show: Any) -> Any:
        def run(frame: Any) -> None:
            latest = slot.latest()
            if latest is not None and state["count"]:
                ages[state["mode"]].append((time.monotonic() - latest.at) * 1000)
            c = time.thread_time()
            show(frame)
            if state["count"]:
                cost[state["mode"]].append((time.thread_time() - c) * 1000)
            state["fresh"] = True
        return run

    preview.show_frame = timed(new_show)
    legacy = timed(legacy_show)

    def on_flip(*_a: Any) -> None:
        if state["count"]:
            flips[state["mode"]] += 1
            if state["fresh"]:
                drawn[state["mode"]] += 1
        state["fresh"] = False

    def switch(_dt: float) -> None:
        now = time.perf_counter()
        if state["count"]:
            seconds[state["mode"]] += now - state["t"]
        preview.stop()
        if state["event"] is not None:
            state["event"].cancel()
            state["event"] = None
        state["mode"] = "before" if state["mode"] == "after" else "after"
        if state["mode"] == "after":
            preview.start()
        else:
            def tick(dt: float) -> None:
                got = preview.source_obj.latest()
                if got is not None and got[0] != getattr(tick, "last", -1):
                    tick.last = got[0]  # type: ignore[attr-defined]
                    legacy(got[1])
            state["event"] = Clock.schedule_interval(tick, 1.0 / max(1, preview.fps))
        state["t"], state["count"] = now, True

    def finish(_dt: float) -> None:
        switch(0)
        out["fps"] = {m: drawn[m] / seconds[m] for m in drawn}
        out["window_fps"] = {m: flips[m] / seconds[m] for m in flips}
        out["ages_ms"] = ages
        out["upload_ms"] = cost
        out["camera_frames"] = app.services.devices.devices.camera.state.frames
        app.stop()

    def begin(_dt: float) -> None:
        if os.environ.get("BENCH_NO_DECODE"):
            app.services.devices.devices.worker.stop()
        Window.bind(on_flip=on_flip)
        state["t"] = time.perf_counter()
        for i in range(1, 2 * PREVIEW_TURNS):
            Clock.schedule_once(switch, i * 1.0)
        Clock.schedule_once(finish, 2 * PREVIEW_TURNS * 1.0)

    Clock.schedule_once(begin, 3.0)  # steady state: capture running, all screens built


PREVIEW_TURNS = 6  # turns of 1 s each for before and for after


BASELINE = """
import os, sys, time
os.environ.update({"KIVY_NO_ARGS": "1", "KIVY_LOG_MODE": "PYTHON", "KIVY_NO_CONSOLELOG": "1"})
from kivy.config import Config
Config.set("graphics", "width", "1280"); Config.set("graphics", "height", "800")
import numpy as np
from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.uix.image import Image
class Bare(App):
    def build(self):
        self.img = Image(fit_mode="contain"); self.tex = Texture.create(size=(1280, 720), colorfmt="bgr")
        self.img.texture = self.tex; self.buf = np.zeros((720, 1280, 3), np.uint8); self.t = []
        Clock.schedule_interval(self.tick, 0); Clock.schedule_once(self.done, 5); return self.img
    def tick(self, dt):
        self.buf[:, :, 0] = len(self.t) % 255
        self.tex.blit_buffer(memoryview(self.buf).cast("B"), colorfmt="bgr", bufferfmt="ubyte")
        self.img.canvas.ask_update(); self.t.append(time.perf_counter())
    def done(self, dt):
        print("FPS", (len(self.t) - 1) / (self.t[-1] - self.t[0])); self.stop()
Bare().run()
"""


def spawn_baseline() -> float:
    """What this display can do at all: software GL under Xvfb is the ceiling here."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:  # Kivy's App wants a source file
        fh.write(BASELINE)
    proc = subprocess.run([sys.executable, fh.name], capture_output=True, text=True, timeout=120)
    os.unlink(fh.name)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("FPS")]
    if not line:
        raise SystemExit(f"baseline failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(line[-1].split()[1])


def spawn(mode: str, data_dir: Path, extra: dict[str, str]) -> dict[str, Any]:
    t_spawn = time.time()
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(data_dir), json.dumps(extra)],
                          capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"child {mode} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(lines[-1][6:])
    out["t_spawn"] = t_spawn
    return out


# ---------------------------------------------------------------- set-up ----------------
def make_codes(base: Path, n: int) -> tuple[Path, Path]:
    """A kiosk database with an applied bundle trusting a cn-signed issuer and DCC signers."""
    import base64

    from kiosk.config import load_config
    from kiosk.store.db import open_store
    from tests.ui import codes

    data = base / "codes-data"
    cfg = load_config(env={"KIOSK_STORE_DATA_DIR": str(data)})
    store = open_store(cfg.db_path)
    key, kid = codes.new_issuer()
    bundle = codes.bundle_for(key, kid)
    dcc: list[str] = []
    for case in sorted((REPO.parent / "shared" / "testdata" / "dcc" / "DE").rglob("*.json")):
        doc = json.loads(case.read_text())
        cert = (doc.get("TESTCTX") or {}).get("CERTIFICATE")
        if doc.get("PREFIX", "").startswith("HC1:") and cert and (doc.get("EXPECTEDRESULTS") or {}).get("EXPECTEDVERIFY"):
            dcc.append(doc["PREFIX"])
            bundle["trust"]["dsc"].append({"certificate": cert})
    dsc_seen: set[str] = set()
    bundle["trust"]["dsc"] = [d for d in bundle["trust"]["dsc"] if not (d["certificate"] in dsc_seen or dsc_seen.add(d["certificate"]))]
    codes.install_bundle(store, bundle)
    store.close()
    payloads = {
        "cn-signed": [codes.issue(key, kid, code_id=f"b-{i}", name="张三") for i in range(n)],
        "eu-dcc": [dcc[i % len(dcc)] for i in range(n)] if dcc else [],
    }
    del base64
    path = base / "codes.json"
    path.write_text(json.dumps(payloads))
    return data, path


def make_video(base: Path) -> Path:
    import cv2
    import numpy as np

    path = base / "preview-720p.avi"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (1280, 720))
    rng = np.random.default_rng(7)
    for i in range(30 * 10):
        frame = np.full((720, 1280, 3), 40, np.uint8)
        cv2.circle(frame, (int(640 + 400 * np.sin(i / 20)), 360), 80, (0, 200, 255), -1)
        frame[::8, ::8] = rng.integers(0, 255, size=frame[::8, ::8].shape, dtype=np.uint8)
        w.write(frame)
    w.release()
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=("start", "codes", "preview"), help="run one part only")
    ap.add_argument("--runs", type=int, default=5, help="app starts to time")
    ap.add_argument("--codes", type=int, default=30, help="codes of each format")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), json.loads(args.child[2]))
        return
    assert os.environ.get("DISPLAY"), "run under an X display, e.g. xvfb-run (see the docstring)"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        print(f"# UI benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.1f}")
        wall, inside = [], []
        for i in range(args.runs if args.only in (None, "start") else 0):
            r = spawn("start", base / f"start-{i}", {"KIOSK_CAMERA_KIND": "none"})
            wall.append((r["t_ready"] - r["t_spawn"]) * 1000)
            inside.append((r["t_ready"] - r["t_enter"]) * 1000)
        if wall:
            print(f"start -> ready to scan, spawn to first frame (ms): {summary(wall)}")
            print(f"  of which inside the process (ms):               {summary(inside)}")
        if args.only in (None, "codes"):
            run_codes_part(base, args.codes)
        if args.only in (None, "preview"):
            run_preview_part(base)


def run_codes_part(base: Path, n: int) -> None:
    data, codes_file = make_codes(base, n)
    extra = {"KIOSK_CAMERA_KIND": "none", "KIOSK_UI_ASK_TEMPERATURE": "false", "BENCH_CODES": str(codes_file)}
    extra.update(dict(kv.split("=", 1) for kv in os.environ.get("BENCH_EXTRA", "").split(",") if kv))
    r = spawn("codes", data, extra)
    print(f"code -> result, the first code right after start (ms): {r['first_ms']:.1f}")
    print(f"buffer swaps after the switch that still had label/layout updates pending: {r.get('unsettled_flips', 0)}")
    for fmt, ms in r["ms"].items():
        if ms:
            print(f"code -> result screen drawn, 2 frames later (the earlier end point), {fmt} (ms): {summary(ms)}")
            print(f"  of which the service (verify+decide+commit):   {summary(r['service_ms'][fmt])}")
            print(f"  handed over -> result screen current (ms):     {summary(r['switch_ms'][fmt])}")
            print(f"  CODE -> RESULT ON THE SCREEN, {fmt}: the first buffer swap showing it, settled (ms): "
                  f"{summary(r['flip_ms'][fmt])}")


def run_preview_part(base: Path) -> None:
    video = make_video(base)
    r = spawn("preview", base / "preview", {"KIOSK_CAMERA_KIND": "opencv", "KIOSK_CAMERA_SOURCE": str(video),
                                            "KIOSK_CAMERA_FILE_REALTIME": "true", "KIOSK_CAMERA_FILE_LOOP": "true"})
    print(f"preview 1280x720 from a 30 fps video, {PREVIEW_TURNS} turns of 1 s each, before and after in one window:")
    for mode in ("before", "after"):
        print(f"  {mode:6s}: {r['fps'][mode]:.1f} fps of new pictures drawn, window {r['window_fps'][mode]:.1f} fps; "
              f"frame age at upload (ms): {summary(r['ages_ms'][mode])}")
        print(f"          CPU per picture, scale + upload (ms): {summary(r['upload_ms'][mode])}")
    print(f"  ratio after / before: {r['fps']['after'] / r['fps']['before']:.2f} fps, "
          f"{statistics.median(r['upload_ms']['after']) / statistics.median(r['upload_ms']['before']):.2f} CPU per picture")
    bare = spawn_baseline()
    print(f"  same machine, same moment: a bare Kivy window redrawing one 1280x720 texture: {bare:.1f} fps")


if __name__ == "__main__":
    main()
