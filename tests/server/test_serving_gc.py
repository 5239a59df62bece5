"""A serving process (the factory `serve` gives uvicorn) takes its start-up objects out of the collector's
generations and collects the youngest less often; an app built any other way (the tests) leaves the GC as it was."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from sync.server.app import GC_GEN0, create_app
from sync.server.settings import from_env, to_env

PROBE = """
import gc, json
before = (gc.get_freeze_count(), gc.get_threshold()[0])
from sync.server.app import app_from_env
app_from_env()
print(json.dumps({"before": before, "after": (gc.get_freeze_count(), gc.get_threshold()[0])}))
"""


def test_the_serving_factory_freezes_start_up_and_raises_the_youngest_threshold(tmp_path: Path) -> None:
    env = {**os.environ, **to_env(from_env(data_dir=tmp_path / "central", db=f"sqlite:///{tmp_path / 'central.db'}"))}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["before"] == [0, 700]  # Python's defaults
    frozen, gen0 = got["after"]
    assert gen0 == GC_GEN0 and frozen > 50_000  # the modules, the app and its routes


def test_an_app_built_in_a_test_process_leaves_the_gc_alone(tmp_path: Path) -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    app = create_app(from_env(data_dir=tmp_path / "central", db=f"sqlite:///{tmp_path / 'central.db'}"))
    try:
        assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
    finally:
        app.state.monitoring_check.stop()
        app.state.services.ctx.close()
