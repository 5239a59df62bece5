"""Settings: declared once, documented, validated with file, key and reason."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import REPO_CONFIG, ConfigError, load_config, render_docs
from kiosk.settings import SETTINGS

REPO = Path(__file__).resolve().parents[2]


def test_defaults_load_and_match_declarations() -> None:
    cfg = load_config(env={})
    for s in SETTINGS:
        assert cfg[s.name] == s.default
        assert s.help and s.help[0].isupper(), f"{s.name} needs a one-line help"


def test_every_setting_is_in_the_documented_toml_with_its_default_and_a_comment() -> None:
    text = REPO_CONFIG.read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    flat = {f"{sec}.{k}": v for sec, table in doc.items() for k, v in table.items()}
    declared = {s.name for s in SETTINGS}
    assert set(flat) == declared, f"undocumented: {declared - set(flat)}, unknown: {set(flat) - declared}"
    lines = text.splitlines()
    for s in SETTINGS:
        assert flat[s.name] == s.default, f"{s.name}: kiosk.toml says {flat[s.name]!r}, code says {s.default!r}"
        idx = next(i for i, ln in enumerate(lines) if re.match(rf"{re.escape(s.key)}\s*=", ln))
        assert lines[idx - 1].lstrip().startswith("#"), f"{s.name} has no comment line above it in kiosk.toml"


def test_docs_configuration_md_is_generated_from_the_declarations() -> None:
    assert (REPO / "docs" / "configuration.md").read_text(encoding="utf-8") == render_docs(), (
        "docs/configuration.md is stale: run `kiosk config docs > docs/configuration.md`"
    )


@pytest.mark.parametrize(
    ("toml", "key", "reason"),
    [
        ("[temperature]\nfever_threshold = 38.6\n", "temperature.fever_threshold", "above the maximum 38.5"),
        ("[temperature]\nfever_threshold = 36.9\n", "temperature.fever_threshold", "below the minimum 37.0"),
        ("[temperature]\nfever_threshold = \"hot\"\n", "temperature.fever_threshold", "expected float"),
        ("[store]\nbusy_timeout_ms = true\n", "store.busy_timeout_ms", "expected int"),
        ("[kiosk]\nlanguage = \"fr\"\n", "kiosk.language", "not one of zh_CN, en"),
        ("[kiosk]\ntimezone = \"Mars/Olympus\"\n", "kiosk.timezone", "unknown time zone"),
        ("[kiosk]\ngate_nmae = \"x\"\n", "kiosk.gate_nmae", "unknown setting"),
        ("kiosk = 3\n", "kiosk", "expected a [section] table"),
    ],
)
def test_bad_settings_name_file_key_and_reason(tmp_path: Path, toml: str, key: str, reason: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert err.value.source == str(path)
    assert err.value.key == key
    assert reason in err.value.reason


def test_broken_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[kiosk\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})


def test_environment_overrides_are_typed_and_validated() -> None:
    cfg = load_config(env={"KIOSK_TEMPERATURE_FEVER_THRESHOLD": "37.5", "KIOSK_STORE_BUSY_TIMEOUT_MS": "250"})
    assert cfg["temperature.fever_threshold"] == 37.5
    assert cfg["store.busy_timeout_ms"] == 250
    assert cfg.sources["store.busy_timeout_ms"] == "environment KIOSK_STORE_BUSY_TIMEOUT_MS"
    with pytest.raises(ConfigError, match="above the maximum"):
        load_config(env={"KIOSK_TEMPERATURE_FEVER_THRESHOLD": "39"})
    with pytest.raises(ConfigError, match="expected int"):
        load_config(env={"KIOSK_STORE_BUSY_TIMEOUT_MS": "fast"})
    with pytest.raises(ConfigError, match="unknown setting override"):
        load_config(env={"KIOSK_TEMPERATURE_FEVER": "37.5"})
    # Variables outside the declared sections belong to other tools (the central server, tests).
    assert load_config(env={"KIOSK_CENTRAL_DB": "x", "KIOSK_TEST_ARTIFACTS": "/tmp"})["store.busy_timeout_ms"] == 5000


def test_a_bad_setting_stops_the_kiosk_at_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[temperature]\nfever_threshold = 40.0\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(path), "run"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "KIOSK_STORE_DATA_DIR": str(tmp_path / "d")},
    )
    assert proc.returncode == 2
    assert str(path) in proc.stderr and "temperature.fever_threshold" in proc.stderr
    assert "above the maximum 38.5" in proc.stderr
    assert not (tmp_path / "d").exists(), "nothing may be created when the settings are wrong"
